import { invalidParam } from './errors.js';

export interface PageParams {
  page: number;
  pageSize: number;
  pageToken: string | null;
}

export function pageParams(query: URLSearchParams): PageParams {
  const rawSize = query.get('PageSize');
  const rawPage = query.get('Page');
  let pageSize = 50;
  let page = 0;
  if (rawSize !== null) {
    if (!/^\d+$/.test(rawSize) || Number(rawSize) < 1 || Number(rawSize) > 1000) throw invalidParam('PageSize', 'must be an integer between 1 and 1000');
    pageSize = Number(rawSize);
  }
  if (rawPage !== null) {
    if (!/^\d+$/.test(rawPage)) throw invalidParam('Page', 'must be a non-negative integer');
    page = Number(rawPage);
  }
  return { page, pageSize, pageToken: query.get('PageToken') };
}

function qs(filters: ReadonlyArray<readonly [string, string]>, extra: Array<[string, string]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of filters) p.append(k, v);
  for (const [k, v] of extra) p.append(k, v);
  return p.toString();
}

/**
 * A v1 list page: `{[key]: items, meta: {page, page_size, first_page_url, previous_page_url, url, next_page_url, key}}`
 * with Twilio's absolute URLs (`https://trusthub.twilio.com/v1/...`).
 */
export function v1Page<T extends { sid: string }>(
  all: readonly T[],
  query: URLSearchParams,
  absoluteBase: string,
  key: string,
  filters: ReadonlyArray<readonly [string, string]>,
  render: (t: T) => unknown,
): Record<string, unknown> {
  const { page, pageSize, pageToken } = pageParams(query);
  const start = page * pageSize;
  const slice = all.slice(start, start + pageSize);
  const hasNext = start + pageSize < all.length;
  const self: Array<[string, string]> = [['PageSize', String(pageSize)], ['Page', String(page)]];
  if (pageToken) self.push(['PageToken', pageToken]);
  const last = slice[slice.length - 1];
  const prevAnchor = all[start];
  return {
    [key]: slice.map(render),
    meta: {
      page,
      page_size: pageSize,
      first_page_url: `${absoluteBase}?${qs(filters, [['PageSize', String(pageSize)], ['Page', '0']])}`,
      previous_page_url:
        page > 0 && prevAnchor
          ? `${absoluteBase}?${qs(filters, [['PageSize', String(pageSize)], ['Page', String(page - 1)], ['PageToken', `PB${prevAnchor.sid}`]])}`
          : null,
      url: `${absoluteBase}?${qs(filters, self)}`,
      next_page_url:
        hasNext && last ? `${absoluteBase}?${qs(filters, [['PageSize', String(pageSize)], ['Page', String(page + 1)], ['PageToken', `PA${last.sid}`]])}` : null,
      key,
    },
  };
}

/** An API 2010 list page: `{[key], end, first_page_uri, next_page_uri, page, page_size, previous_page_uri, start, uri}` with relative URIs. */
export function v2010Page<T extends { sid: string }>(
  all: readonly T[],
  query: URLSearchParams,
  relativeBase: string,
  key: string,
  filters: ReadonlyArray<readonly [string, string]>,
  render: (t: T) => unknown,
): Record<string, unknown> {
  const { page, pageSize, pageToken } = pageParams(query);
  const start = page * pageSize;
  const slice = all.slice(start, start + pageSize);
  const hasNext = start + pageSize < all.length;
  const self: Array<[string, string]> = [['PageSize', String(pageSize)], ['Page', String(page)]];
  if (pageToken) self.push(['PageToken', pageToken]);
  const last = slice[slice.length - 1];
  const prevAnchor = all[start];
  return {
    [key]: slice.map(render),
    end: slice.length > 0 ? start + slice.length - 1 : start,
    first_page_uri: `${relativeBase}?${qs(filters, [['PageSize', String(pageSize)], ['Page', '0']])}`,
    next_page_uri:
      hasNext && last ? `${relativeBase}?${qs(filters, [['PageSize', String(pageSize)], ['Page', String(page + 1)], ['PageToken', `PA${last.sid}`]])}` : null,
    page,
    page_size: pageSize,
    previous_page_uri:
      page > 0 && prevAnchor ? `${relativeBase}?${qs(filters, [['PageSize', String(pageSize)], ['Page', String(page - 1)], ['PageToken', `PB${prevAnchor.sid}`]])}` : null,
    start,
    uri: `${relativeBase}?${qs(filters, self)}`,
  };
}
