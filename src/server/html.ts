/**
 * Server-rendered HTML without a template engine: `html` escapes every interpolated value
 * unless it is already Html (another `html` fragment), so a customer id, a reason or a
 * Twilio message can never inject markup. No frontend build, no client-side script.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Trusted markup built by this module's callers from constants (never from data). */
function raw(s: string): Html {
  return new Html(s);
}

/** A query string from params, dropping empty ones. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

const STATE_COLORS: Record<string, string> = {
  // completed = submitted, campaign in vetting (teal); live = campaign verified (green)
  completed: '#00897b',
  live: '#2e7d32',
  in_progress: '#1565c0',
  awaiting_otp: '#ef8f00',
  awaiting_email: '#d97706',
  failed: '#c62828',
  invalid: '#757575',
  expired: '#6a1b9a',
};

export function stateColor(state: string): string {
  return STATE_COLORS[state] ?? '#455a64';
}

export function badge(state: string): Html {
  return html`<span class="badge" style="background:${stateColor(state)}" data-state="${state}">${state.replace(/_/g, ' ')}</span>`;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
header{background:#1f2933;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#cbd2d9;text-decoration:none}header a:hover,header a.on{color:#fff}header .brand{font-weight:600;color:#fff;margin-right:12px}
header form{margin-left:auto}header input{padding:4px 8px;border-radius:4px;border:0;width:220px}
main{padding:20px 24px;max-width:1500px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.muted{color:#616e7c}.card{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:16px;margin:12px 0}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#f0f4f8;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#52606d}
tr.failed td{background:#fff5f5}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.filters a{display:inline-block;margin:0 6px 6px 0;padding:3px 10px;border-radius:14px;border:1px solid #cbd2d9;text-decoration:none;color:#1f2933;background:#fff}
.filters a.on{background:#1f2933;color:#fff;border-color:#1f2933}
code,.sid{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.action{color:#7c2d12;background:#fff7ed;border-left:3px solid #f97316;padding:4px 8px;margin-top:4px}
.reason{max-width:520px}.pager{margin:10px 0;display:flex;gap:12px;align-items:center}
.bar{display:flex;height:12px;border-radius:6px;overflow:hidden;background:#e4e7eb;min-width:160px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dl.kv dt{color:#616e7c}dl.kv dd{margin:0}
form.upload fieldset{border:1px solid #e4e7eb;border-radius:6px;margin:10px 0}form.upload input[name=batch]{width:320px;padding:4px 6px}
a{color:#0b69a3}details summary{cursor:pointer;color:#0b69a3}
`;

export function page(title: string, body: Html, opts: { nav?: 'batches' | 'queues' | 'customer' | 'upload' | 'notifications'; refreshSeconds?: number } = {}): string {
  const on = (n: string) => (opts.nav === n ? 'on' : '');
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${title} · a2p-onboard</title><style>${raw(CSS)}</style></head>
<body><header><span class="brand">a2p-onboard</span>
<a class="${on('batches')}" href="/batches">Batches</a>
<a class="${on('upload')}" href="/upload">Upload</a>
<a class="${on('queues')}" href="/admin/queues">Queues (Bull Board)</a>
<a class="${on('notifications')}" href="/notifications">Notifications</a>
<a href="/metrics">Metrics</a>
<form method="get" action="/customers"><input name="id" placeholder="Find a customer by customer_id" aria-label="customer_id"></form>
</header><main>${body}</main></body></html>`.value;
}
