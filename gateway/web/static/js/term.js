// term.js: which term and week a page shows by default — the term holding
// today (else the next one, else the last), and the Monday of today's week
// inside it (else the term's first week).
import { get } from './api.js';
import { today, cmp, monday, addDays } from './fmt.js';

export async function terms(schoolId) {
  const r = await get(`/v1/schools/${encodeURIComponent(schoolId)}/terms`);
  return (r.terms || []).slice().sort((a, b) => cmp(a.start_date, b.start_date));
}

export function currentTerm(list, day = today()) {
  if (!list.length) return null;
  return list.find((x) => cmp(x.start_date, day) <= 0 && cmp(day, x.end_date) <= 0)
    || list.find((x) => cmp(day, x.start_date) < 0) || list[list.length - 1];
}

export function defaultWeek(term, day = today()) {
  if (!term) return monday(day);
  if (cmp(day, term.start_date) < 0 || cmp(term.end_date, day) < 0) return monday(term.start_date);
  return monday(day);
}

export function weekDays(mon) { return [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(mon, i)); }
