// bureau.js: the education bureau's page — every school of the district
// with its "5+2" compliance this week and for the term so far, and the
// district's money totals for the school year.
import { h } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { section, table, errorBox, payer } from './ui.js';
import { money, date, today, dateQuery, monday } from './fmt.js';
import { terms, currentTerm, defaultWeek } from './term.js';

const enc = encodeURIComponent;
const stages = { SCHOOL_STAGE_PRIMARY: '小学', SCHOOL_STAGE_JUNIOR_MIDDLE: '初中', SCHOOL_STAGE_NINE_YEAR: '九年一贯制' };

export async function home(_p, _q, account) {
  const d = account.district_id;
  const [district, schools] = await Promise.all([get(`/v1/districts/${enc(d)}`), get(`/v1/districts/${enc(d)}/schools`)]);
  const rows = await Promise.all((schools.schools || []).map(async (s) => {
    const base = [h('a', { href: `#/school?school=${enc(s.school_id)}` }, s.name), t(stages[s.stage] || s.stage)];
    try {
      const term = currentTerm(await terms(s.school_id));
      if (!term) return { ok: null, cells: [...base, '—', '—', '—'] };
      const week = defaultWeek(term);
      const tp = `/v1/schools/${enc(s.school_id)}/terms/${enc(term.term_id)}/compliance`;
      const [wk, all] = await Promise.all([get(`${tp}?${dateQuery('week_of', week)}`), get(tp)]);
      const badge = (r) => h('span', { class: r.compliant ? 'badge ok' : 'badge bad' }, r.compliant ? t('合规') : `${t('不合规')} (${r.violations.length})`);
      return { ok: wk.report.compliant, cells: [...base, term.name, badge(wk.report), badge(all.report)] };
    } catch (err) {
      return { ok: null, cells: [...base, errorBox(err), '', ''] };
    }
  }));
  const y = today().month >= 9 ? today().year : today().year - 1;
  const from = { year: y, month: 9, day: 1 }, to = { year: y + 1, month: 8, day: 31 };
  let totals;
  try {
    const c = await get(`/v1/districts/${enc(d)}/claims?${dateQuery('from', from)}&${dateQuery('to', to)}`);
    totals = table(['内容', '金额'].map(t), [
      [t('家长合计'), money(c.parent)],
      ...(c.subsidies || []).map((x) => [`${t('补助')} · ${payer(x.party_id)}`, money(x.amount)]),
      ...(c.waivers || []).map((x) => [`${t('减免')} · ${payer(x.party_id)}`, money(x.amount)]),
      [t('账单数'), String(c.statements)]]);
  } catch (err) { totals = errorBox(err); }
  const compliant = rows.filter((r) => r.ok === true).length;
  return h('div', { class: 'page bureau wide' },
    h('h1', {}, `${district.district.name} · ${t('教育局')}`),
    section(`${t('各校')} · ${t('本周合规学校')} ${compliant}/${rows.length} · ${t('周次')} ${date(monday(today()))}`,
      table(['学校', '学段', '学期', '本周', '整学期'].map(t), rows.map((r) => r.cells), { class: 'schools' })),
    section(`${t('全区合计')} · ${date(from)}–${date(to)}`, totals));
}
