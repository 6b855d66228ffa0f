import { invalidParam } from './errors.js';

export interface PageParams {
  page: number;
  pageSize: number;
  pageToken: string | null;
}

function pageParams(query: URLSearchParams): PageParams {
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
 * Where a page starts. Twilio's next/previous links carry a PageToken (`PA{last sid}` = after it, `PB{first sid}` =
 * before it), and Page "is simply for client state"; the token keeps paging right while items are deleted
 * between two pages. Without a (known) token, the page starts at Page × PageSize.
 */
function pageStart<T extends { sid: string }>(all: readonly T[], p: PageParams): number {
  const token = p.pageToken;
  if (token && /^P[AB]/.test(token)) {
    const i = all.findIndex((t) => t.sid === token.slice(2));
    if (i >= 0) return token.startsWith('PA') ? i + 1 : Math.max(0, i - p.pageSize);
  }
  return p.page * p.pageSize;
}

/** One page of `all` and the links around it; the v1 and 2010 shapes differ only in how they print these. */
function paginate<T extends { sid: string }>(
  all: readonly T[],
  query: URLSearchParams,
  base: string,
  filters: ReadonlyArray<readonly [string, string]>,
) {
  const params = pageParams(query);
  const { page, pageSize, pageToken } = params;
  const start = pageStart(all, params);
  const slice = all.slice(start, start + pageSize);
  const size: [string, string] = ['PageSize', String(pageSize)];
  const self: Array<[string, string]> = [size, ['Page', String(page)]];
  if (pageToken) self.push(['PageToken', pageToken]);
  const last = slice[slice.length - 1];
  const prevAnchor = all[start];
  return {
    page,
    pageSize,
    start,
    slice,
    first: `${base}?${qs(filters, [size, ['Page', '0']])}`,
    previous: page > 0 && start > 0 && prevAnchor ? `${base}?${qs(filters, [size, ['Page', String(page - 1)], ['PageToken', `PB${prevAnchor.sid}`]])}` : null,
    self: `${base}?${qs(filters, self)}`,
    next: start + pageSize < all.length && last ? `${base}?${qs(filters, [size, ['Page', String(page + 1)], ['PageToken', `PA${last.sid}`]])}` : null,
  };
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
  const p = paginate(all, query, absoluteBase, filters);
  return {
    [key]: p.slice.map(render),
    meta: {
      page: p.page,
      page_size: p.pageSize,
      first_page_url: p.first,
      previous_page_url: p.previous,
      url: p.self,
      next_page_url: p.next,
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
  const p = paginate(all, query, relativeBase, filters);
  return {
    [key]: p.slice.map(render),
    end: p.slice.length > 0 ? p.start + p.slice.length - 1 : p.start,
    first_page_uri: p.first,
    next_page_uri: p.next,
    page: p.page,
    page_size: p.pageSize,
    previous_page_uri: p.previous,
    start: p.start,
    uri: p.self,
  };
}
