// fmt.js: Chinese conventions for money, dates and weekdays. Money stays a
// decimal string end to end (the API's); it is only grouped and padded for
// display, never turned into a float.
import { lang } from './i18n.js';

// money("2143.5") = "¥2,143.50"; null or "" shows as "—".
export function money(v) {
  const s = typeof v === 'object' && v !== null ? v.amount : v;
  if (s === undefined || s === null || s === '') return '—';
  let str = String(s).trim();
  let sign = '';
  if (str.startsWith('-')) { sign = '-'; str = str.slice(1); }
  let [int, frac = ''] = str.split('.');
  int = int.replace(/^0+(?=\d)/, '') || '0';
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${grouped}.${frac}`;
}

// plain decimal ("27.5") as given, "—" when empty.
export function num(v) { return v === undefined || v === null || v === '' ? '—' : String(v); }

const zhWeekdays = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const enWeekdays = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// weekday(1) = "周一" (1 = Monday … 7 = Sunday, as the API counts).
export function weekday(n) { return (lang() === 'en' ? enWeekdays : zhWeekdays)[n] || ''; }

const pad = (n) => String(n).padStart(2, '0');

// date({year, month, day}) = "2026年9月1日" (English: 2026-09-01).
export function date(d) {
  if (!d || !d.year) return '—';
  return lang() === 'en' ? `${d.year}-${pad(d.month)}-${pad(d.day)}` : `${d.year}年${d.month}月${d.day}日`;
}

// shortDate = "9月1日" (English: 09-01).
export function shortDate(d) {
  if (!d || !d.year) return '—';
  return lang() === 'en' ? `${pad(d.month)}-${pad(d.day)}` : `${d.month}月${d.day}日`;
}

export function time(t) { return t ? `${pad(t.hours || 0)}:${pad(t.minutes || 0)}` : ''; }

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return lang() === 'en' ? d.toLocaleString('en-GB') : d.toLocaleString('zh-CN', { hour12: false });
}

// Calendar arithmetic on {year, month, day} values, in UTC so that no time
// zone moves a day.
export function toJS(d) { return new Date(Date.UTC(d.year, d.month - 1, d.day)); }
export function fromJS(js) { return { year: js.getUTCFullYear(), month: js.getUTCMonth() + 1, day: js.getUTCDate() }; }
export function addDays(d, n) { const js = toJS(d); js.setUTCDate(js.getUTCDate() + n); return fromJS(js); }
export function iso(d) { return `${d.year}-${pad(d.month)}-${pad(d.day)}`; }
export function parseISO(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  return m ? { year: +m[1], month: +m[2], day: +m[3] } : null;
}
// dayOfWeek: 1 = Monday … 7 = Sunday.
export function dayOfWeek(d) { return ((toJS(d).getUTCDay() + 6) % 7) + 1; }
export function monday(d) { return addDays(d, 1 - dayOfWeek(d)); }
export function today() { const n = new Date(); return { year: n.getFullYear(), month: n.getMonth() + 1, day: n.getDate() }; }
export function cmp(a, b) { return iso(a) < iso(b) ? -1 : iso(a) > iso(b) ? 1 : 0; }
// dateQuery(prefix, d) = "prefix.year=2026&prefix.month=9&prefix.day=7".
export function dateQuery(prefix, d) { return `${prefix}.year=${d.year}&${prefix}.month=${d.month}&${prefix}.day=${d.day}`; }
