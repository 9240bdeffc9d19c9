/**
 * The shipped template `default`: the built-in mail (render-html.ts, render-text.ts) written in
 * Liquid, part for part, so an admin who edits it starts from the mail everyone gets. The two must
 * agree (test/unit/templates-differential.test.ts renders both over the fixtures and generated
 * alert sets); a change to the built-in mail is made in both, in the same place of each.
 * The styles come from render-html.ts's constants, so the colours are defined once.
 */
import {
  CARD_BG,
  CARD_EDGE,
  DARK_MODE_CSS,
  FONT,
  LINK,
  MONO,
  MUTED,
  PAGE_BG,
  STATE_COLORS,
  TABLE,
  TEXT,
} from '../render-html';
import { RULE } from '../render-text';
import type { MailTemplate } from './model';

const SUBJECT =
  "{% assign keys = commonLabels | key_values %}[{{ status | upcase }}:{{ alerts.size }}] {{ alerts | alert_names }}{% if keys.size > 0 %} ({{ keys | join: ', ' }}){% endif %}";

const TEXT_PART = `{% capture newline %}
{% endcapture -%}
{% assign keys = commonLabels | key_values -%}
{% if status == 'firing' %}FIRING{% else %}RESOLVED{% endif %}: {{ alerts.size }} {% if alerts.size == 1 %}alert{% else %}alerts{% endif %}
{% capture names %}{{ alerts | alert_names }}{% if keys.size > 0 %} ({{ keys | join: ', ' }}){% endif %}{% endcapture -%}
{{ names | wrap: '', '    ' }}

{% if commonLabels.size > 0 -%}
{% if alerts.size == 1 %}Labels:{% else %}Labels common to all alerts:{% endif %}
{% for label in commonLabels -%}
{% capture line %}{{ label[0] | single_line }} = {{ label[1] | single_line }}{% endcapture -%}
{{ line | wrap: '  ', '      ' }}
{% endfor %}
{% endif -%}
{% for alert in alerts -%}
{% assign severity = alert | severity -%}
{% assign description = alert | description -%}
{% assign labels = alert.labels | without: commonLabels -%}
{% assign source = alert.generatorURL | safe_url -%}
${RULE}
[{{ forloop.index }}/{{ alerts.size }}]{% if alert.status == 'resolved' %} RESOLVED |{% endif %}{% if severity %} {{ severity | upcase }} |{% endif %} {{ alert | duration }}
{{ alert | headline | wrap }}
{% if description -%}
{{ description | paragraphs: '    ' }}
{% endif -%}
{% if labels.size > 0 -%}
{{ '    Labels:' }}
{% for label in labels -%}
{% capture line %}{{ label[0] | single_line }} = {{ label[1] | single_line }}{% endcapture -%}
{{ line | wrap: '      ', '          ' }}
{% endfor -%}
{% endif -%}
{% assign annotations = alert | other_annotations -%}
{% for annotation in annotations -%}
{% assign value = annotation[1] | multi_line -%}
{% if value contains newline -%}
{{ '    ' }}{{ annotation[0] | single_line }}:
{{ value | paragraphs: '      ' }}
{% else -%}
{% capture line %}{{ annotation[0] | single_line }}: {{ value }}{% endcapture -%}
{{ line | wrap: '    ', '        ' }}
{% endif -%}
{% endfor -%}
{{ '    Started: ' }}{{ alert.startsAt | datetime }}
{% if alert.status == 'resolved' -%}
{{ '    Resolved: ' }}{{ alert.endsAt | datetime }}
{% endif -%}
{% if source -%}
{{ 'Source: ' | append: source | wrap: '    ', '    ' }}
{% elsif alert.generatorURL -%}
{% assign source_text = alert.generatorURL | single_line -%}
{% if source_text != '' -%}
{{ 'Source (not a web link): ' | append: source_text | wrap: '    ', '        ' }}
{% endif -%}
{% endif -%}
{% if alert.silenceURL -%}
{{ 'Silence this: ' | append: alert.silenceURL | wrap: '    ', '    ' }}
{% endif -%}
{{ 'Fingerprint: ' | append: alert.fingerprint | single_line | wrap: '    ', '        ' }}

{% endfor -%}
--
Sent by alertmail at {{ now | datetime }}.
{% if consoleURL -%}
{{ 'Console: ' | append: consoleURL | wrap }}
{% endif -%}
`;

const SECTION_TITLE = `class="m" style="font-size:11px;font-weight:700;letter-spacing:0.06em;text-transform:uppercase;color:${MUTED};margin:0 0 6px;"`;
const BADGE =
  'padding:2px 8px;border-radius:10px;font-size:11px;font-weight:700;letter-spacing:0.04em;line-height:1.9;';

/** Name/value rows of `fields` (a label or annotation set), values on one line or `multi`. */
const fieldsTable = (fields: string, lines: 'single' | 'multi'): string =>
  `<table class="f" width="100%" ${TABLE} style="border-collapse:collapse;font-size:13px;line-height:1.45;">
      {%- for field in ${fields} -%}
      <tr valign="top"><td width="34%" style="padding:3px 10px 3px 0;color:${MUTED};">{{ field[0] | single_line | breakable }}</td><td style="padding:3px 0;font-family:${MONO};">{{ field[1] | linkify: '${lines}' }}</td></tr>
      {%- endfor -%}
      </table>`;

const HTML_PART = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>{{ subject }}</title><style>${DARK_MODE_CSS}</style></head>
<body class="b" style="margin:0;padding:0;background-color:${PAGE_BG};">
<table class="b" width="100%" ${TABLE} bgcolor="${PAGE_BG}"><tr><td style="padding:12px;">
<!--[if mso]><table align="center" width="640" ${TABLE}><tr><td><![endif]-->
<table align="center" width="100%" ${TABLE} style="max-width:640px;font-family:${FONT};color:${TEXT};">
{%- assign keys = commonLabels | key_values -%}
{%- assign state_color = '${STATE_COLORS.firing}' -%}
{%- if status == 'resolved' %}{% assign state_color = '${STATE_COLORS.resolved}' %}{% endif %}
<tr><td bgcolor="{{ state_color }}" style="padding:16px 18px;border-radius:8px 8px 0 0;color:#ffffff;">
  <div style="font-size:12px;font-weight:700;letter-spacing:0.08em;text-transform:uppercase;">{% if status == 'firing' %}Firing{% else %}Resolved{% endif %} &middot; {{ alerts.size }} {% if alerts.size == 1 %}alert{% else %}alerts{% endif %}</div>
  <div style="font-size:21px;font-weight:700;line-height:1.3;margin:4px 0 0;">{{ alerts | alert_names | breakable }}</div>
  {%- if keys.size > 0 -%}
  <div style="font-size:14px;margin:2px 0 0;">{% for value in keys %}{{ value | breakable }}{% unless forloop.last %} &middot; {% endunless %}{% endfor %}</div>
  {%- endif -%}
</td></tr>
{%- if commonLabels.size > 0 -%}
<tr><td class="c" bgcolor="${CARD_BG}" style="border:1px solid ${CARD_EDGE};border-top:0;border-radius:0 0 8px 8px;padding:12px 18px;">
  <div ${SECTION_TITLE}>{% if alerts.size == 1 %}Labels{% else %}Labels common to all alerts{% endif %}</div>
  ${fieldsTable('commonLabels', 'single')}
</td></tr>
{%- endif -%}
<tr><td height="14"></td></tr>
{%- for alert in alerts -%}
{%- assign severity = alert | severity -%}
{%- assign description = alert | description -%}
{%- assign labels = alert.labels | without: commonLabels -%}
{%- assign annotations = alert | other_annotations -%}
{%- assign source = alert.generatorURL | safe_url -%}
{%- unless forloop.first %}<tr><td height="12"></td></tr>{% endunless -%}
<tr><td class="c" bgcolor="${CARD_BG}" style="border:1px solid ${CARD_EDGE};border-left:4px solid {{ alert | severity_color: 'edge' }};border-radius:6px;padding:14px 16px;">
  <div style="margin:0 0 8px;">
    {%- if alerts.size > 1 %}<span class="m" style="font-size:12px;color:${MUTED};">{{ forloop.index }}/{{ alerts.size }}</span> {% endif -%}
    {%- if alert.status == 'resolved' %}<span style="${BADGE}color:#ffffff;background-color:${STATE_COLORS.resolved};">RESOLVED</span> {% endif -%}
    {%- if severity %}<span style="${BADGE}color:{{ alert | severity_color: 'text' }};background-color:{{ alert | severity_color }};">{{ severity | upcase | breakable }}</span> {% endif -%}
    <span class="m" style="font-size:13px;color:${MUTED};">{{ alert | duration }}</span>
  </div>
  <div style="font-size:17px;font-weight:600;line-height:1.35;">{{ alert | headline | breakable }}</div>
  {%- if description -%}
  <div style="margin:6px 0 0;font-size:14px;line-height:1.5;">{{ description | breakable }}</div>
  {%- endif -%}
  {%- if labels.size > 0 -%}
  <div style="margin:12px 0 0;"><div ${SECTION_TITLE}>Labels</div>${fieldsTable('labels', 'single')}</div>
  {%- endif -%}
  {%- if annotations.size > 0 -%}
  <div style="margin:12px 0 0;"><div ${SECTION_TITLE}>Annotations</div>${fieldsTable('annotations', 'multi')}</div>
  {%- endif -%}
  <div class="m" style="margin:12px 0 0;font-size:13px;color:${MUTED};">Started {{ alert.startsAt | datetime }}{% if alert.status == 'resolved' %} &middot; resolved {{ alert.endsAt | datetime }}{% endif %}</div>
  {%- if source -%}
  <div style="margin:6px 0 0;font-size:13px;"><a href="{{ source }}" style="color:${LINK};font-weight:600;">View source &#8250;</a></div>
  {%- elsif alert.generatorURL -%}
  {%- assign source_text = alert.generatorURL | single_line -%}
  {%- if source_text != '' -%}
  <div class="m" style="margin:6px 0 0;font-size:13px;color:${MUTED};">Source (not a web link): {{ source_text | breakable }}</div>
  {%- endif -%}
  {%- endif -%}
  {%- if alert.silenceURL -%}
  <div style="margin:6px 0 0;font-size:13px;"><a href="{{ alert.silenceURL }}" style="color:${LINK};">Silence this</a></div>
  {%- endif -%}
  <div class="m" style="margin:8px 0 0;font-size:11px;color:${MUTED};font-family:${MONO};">{{ alert.fingerprint | single_line | breakable }}</div>
</td></tr>
{%- endfor -%}
<tr><td height="12"></td></tr>
<tr><td class="m" style="font-size:12px;line-height:1.5;color:${MUTED};padding:4px 2px 0;">Sent by alertmail at {{ now | datetime }}.
  {%- if consoleURL %} <a href="{{ consoleURL }}" style="color:${LINK};">Open the alertmail console</a>{% endif -%}
</td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr></table></body></html>
`;

/** The shipped `default` template (GET /v1/templates/default before any edit, and after DELETE). */
export const SHIPPED_DEFAULT_TEMPLATE: MailTemplate = { subject: SUBJECT, text: TEXT_PART, html: HTML_PART };
