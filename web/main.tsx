/** The console's entry point: takes over the page pre-rendered from the same components (web/prerender.tsx). */
import { hydrate } from 'preact';
import { App } from './App';

hydrate(<App />, document.body);
