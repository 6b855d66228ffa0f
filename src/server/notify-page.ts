import express, { type Request, type Response } from 'express';
import type { Job } from 'bullmq';
import { notificationSchema } from '../notify/event.js';
import { NOTIFY, type Queues } from '../workers/queues.js';
import { html, page, type Html } from './html.js';

/**
 * The dashboard's Notifications page: how many notifications to the ISV (NOTIFY_URL) are waiting,
 * being retried and delivered, and every dead-lettered one (no 2xx within NOTIFY_RETRY_WINDOW_MS) with
 * the receiver's last answer. Ids, types and states only: nothing personal is in a notification.
 */

const SHOWN = 200;

/** "N notifications dead-lettered" for the batches page; empty when there are none. */
export async function deadNotificationsNotice(queues: Queues): Promise<Html> {
  const n = await queues[NOTIFY].getFailedCount();
  return n ? html`<p class="action" id="notify-dead"><a href="/notifications">${n} notification${n === 1 ? '' : 's'} dead-lettered</a>: the ISV's receiver (NOTIFY_URL) refused ${n === 1 ? 'it' : 'them'} for the whole retry window.</p>` : html``;
}

export function notifyPage(deps: { queues: Queues }): express.Router {
  const queue = deps.queues[NOTIFY];
  const r = express.Router();
  r.get('/notifications', (_req: Request, res: Response, next: (err?: unknown) => void) => {
    (async () => {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
      const [dead, retrying] = await Promise.all([queue.getFailed(0, SHOWN - 1), queue.getDelayed(0, SHOWN - 1)]);
      const body = html`<h1>Notifications</h1>
<p class="muted">Signed POSTs of every customer state change to the ISV's <code>NOTIFY_URL</code>, retried with backoff for <code>NOTIFY_RETRY_WINDOW_MS</code>, then dead-lettered here. Retry dead-lettered ones from <a href="/admin/queues/queue/notify?status=failed">Bull Board</a> (queue <code>notify</code>, Failed) once the receiver is fixed: the receiver deduplicates on the id.</p>
<table id="notify-counts"><thead><tr><th class="num">waiting</th><th class="num">being sent</th><th class="num">retrying</th><th class="num">delivered (last day)</th><th class="num">dead-lettered</th></tr></thead>
<tbody><tr><td class="num">${counts['waiting'] ?? 0}</td><td class="num">${counts['active'] ?? 0}</td><td class="num">${counts['delayed'] ?? 0}</td><td class="num">${counts['completed'] ?? 0}</td><td class="num" data-count="failed">${counts['failed'] ?? 0}</td></tr></tbody></table>
<h2>Dead-lettered</h2>${jobTable('notify-dead', dead, 'None.')}
<h2>Retrying</h2>${jobTable('notify-retrying', retrying, 'None.')}`;
      res.status(200).type('html').set('Cache-Control', 'no-store').send(page('Notifications', body, { nav: 'notifications' }));
    })().catch(next);
  });
  return r;
}

function jobTable(id: string, jobs: Job[], empty: string): Html {
  if (jobs.length === 0) return html`<p class="muted" id="${id}">${empty}</p>`;
  return html`<table id="${id}"><thead><tr><th>event id</th><th>type</th><th>customer</th><th>batch</th><th>state changed</th><th class="num">tries</th><th>last answer</th></tr></thead><tbody>
${jobs.map((j) => {
  const n = notificationSchema.safeParse(j.data);
  const c = n.success ? n.data.customer : undefined;
  return html`<tr><td class="sid">${j.id ?? ''}</td><td>${n.success ? n.data.type : '?'}</td>
<td>${c ? html`<a href="/customers/${encodeURIComponent(c.customerId)}">${c.customerId}</a>` : ''}</td><td>${c?.batchId ?? ''}</td>
<td>${n.success ? n.data.createdAt : ''}</td><td class="num">${j.attemptsMade}</td><td class="reason">${j.failedReason ?? ''}</td></tr>`;
})}
</tbody></table>`;
}
