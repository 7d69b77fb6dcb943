// api.js: the one way the pages reach the server — the public REST API with
// the signed-in person's access token. The session lives in sessionStorage
// (gone when the tab closes); an expired access token is renewed once with
// the refresh token. Errors become ApiError, with the field violations of a
// 400 so forms can show them next to their fields.
import { lang } from './i18n.js';

const KEY = 'kehou.session';

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}
export function saveSession(s) { sessionStorage.setItem(KEY, JSON.stringify(s)); }
export function clearSession() { sessionStorage.removeItem(KEY); }

// inflight counts requests under way; the router marks a page ready when its
// view has rendered and this is back to zero (network idle).
let inflight = 0;
export function pending() { return inflight; }

const codeText = {
  3: ['输入有误，请检查标出的项目', 'Please check the marked fields'],
  5: ['未找到，或当前账号无权查看', 'Not found, or this account may not see it'],
  6: ['已存在', 'Already exists'],
  7: ['当前账号无权执行此操作', 'This account may not do that'],
  8: ['请求过于频繁，请稍后再试', 'Too many requests; try again shortly'],
  9: ['当前状态下不能这样做', 'Not possible in the current state'],
  10: ['数据刚被修改，请刷新后重试', 'Changed meanwhile; reload and retry'],
  13: ['服务器内部错误', 'Internal server error'],
  14: ['服务暂时不可用，请稍后再试', 'Service unavailable; try again later'],
  16: ['登录已失效，请重新登录', 'Signed out; please sign in again'],
};

// fieldText turns protovalidate's English descriptions into Chinese.
export function fieldText(desc) {
  if (lang() === 'en') return desc;
  const rules = [
    [/^value is required$/, () => '必填'],
    [/^must be at least (\d+) characters?$/, (m) => (m[1] === '1' ? '必填' : `至少 ${m[1]} 个字符`)],
    [/^must be at most (\d+) characters?$/, (m) => `最多 ${m[1]} 个字符`],
    [/^must be greater than or equal to (\S+)$/, (m) => `不能小于 ${m[1]}`],
    [/^must be less than or equal to (\S+)$/, (m) => `不能大于 ${m[1]}`],
    [/^must contain at least (\d+) item/, (m) => `至少选择 ${m[1]} 项`],
    [/^must contain at most (\d+) item/, (m) => `最多选择 ${m[1]} 项`],
    [/^repeated value must contain unique items$/, () => '不能重复选择'],
    [/^value must be one of the defined enum values$/, () => '取值无效'],
    [/is not a month as YYYY-MM/, () => '不是有效的月份（格式：2026-09）'],
    [/does not admit grade (\d+)/, (m) => `该社团不招收${m[1]}年级学生`],
    [/is not a valid date|not a date/, () => '日期无效'],
  ];
  for (const [re, f] of rules) { const m = re.exec(desc); if (m) return f(m); }
  return desc;
}

export class ApiError extends Error {
  constructor(status, body) {
    const code = body && typeof body.code === 'number' ? body.code : 0;
    const pair = codeText[code];
    const text = pair ? pair[lang() === 'en' ? 1 : 0] : (lang() === 'en' ? `Request failed (${status})` : `请求失败（${status}）`);
    super(text);
    this.status = status;
    this.code = code;
    this.serverMessage = (body && body.message) || '';
    this.violations = [];
    for (const d of (body && body.details) || []) {
      for (const v of d.field_violations || []) this.violations.push({ field: v.field, text: fieldText(v.description) });
    }
  }
}

async function refresh(s) {
  const r = await fetch('/v1/auth/refresh', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh_token: s.refresh_token }),
  });
  if (!r.ok) return false;
  const body = await r.json();
  const tok = body.tokens || body;
  saveSession({ ...s, access_token: tok.access_token, refresh_token: tok.refresh_token || s.refresh_token });
  return true;
}

// call sends one request and returns the parsed body (or a Blob when
// opts.blob); it throws ApiError for any answer but 2xx.
export async function call(method, path, body, opts = {}) {
  inflight++;
  try {
    for (let attempt = 0; ; attempt++) {
      const s = session();
      const headers = {};
      if (s && s.access_token && !opts.anonymous) headers.Authorization = 'Bearer ' + s.access_token;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (r.status === 401 && attempt === 0 && s && s.refresh_token && !opts.anonymous && await refresh(s)) continue;
      if (!r.ok) {
        let eb = null;
        try { eb = await r.json(); } catch { /* not JSON */ }
        throw new ApiError(r.status, eb);
      }
      if (opts.blob) return await r.blob();
      const text = await r.text();
      return text ? JSON.parse(text) : {};
    }
  } finally {
    inflight--;
  }
}

export const get = (path, opts) => call('GET', path, undefined, opts);
export const post = (path, body, opts) => call('POST', path, body === undefined ? {} : body, opts);

// upload sends a file as the request body (the import route streams it to
// timetable) and returns the parsed answer; errors as call.
export async function upload(path, file) {
  inflight++;
  try {
    for (let attempt = 0; ; attempt++) {
      const s = session();
      const headers = { 'Content-Type': 'application/octet-stream' };
      if (s && s.access_token) headers.Authorization = 'Bearer ' + s.access_token;
      const r = await fetch(path, { method: 'POST', headers, body: file });
      if (r.status === 401 && attempt === 0 && s && s.refresh_token && await refresh(s)) continue;
      if (!r.ok) {
        let eb = null;
        try { eb = await r.json(); } catch { /* not JSON */ }
        throw new ApiError(r.status, eb);
      }
      return await r.json();
    }
  } finally {
    inflight--;
  }
}
