// term.js: which term and week a page shows by default — the term holding
// today (else the next one, else the last), and the Monday of today's week
// inside it (else the term's first week).
import { get } from './api.js';
import { today, cmp, monday, addDays } from './fmt.js';

// terms lists a school's terms, oldest first. Terms change a few times a
// year, so the list is kept in sessionStorage for ten minutes: a page that
// needs the current term then starts its own requests at once.
export async function terms(schoolId) {
  const key = `kehou.terms.${schoolId}`;
  try {
    const hit = JSON.parse(sessionStorage.getItem(key) || 'null');
    if (hit && Date.now() - hit.at < 10 * 60 * 1000) return hit.terms;
  } catch { /* no cache */ }
  const r = await get(`/v1/schools/${encodeURIComponent(schoolId)}/terms`);
  const list = (r.terms || []).slice().sort((a, b) => cmp(a.start_date, b.start_date));
  sessionStorage.setItem(key, JSON.stringify({ at: Date.now(), terms: list }));
  return list;
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
