// teacher.js: a teacher's or instructor's own week (sessions, times,
// classes and clubs, the hour record's state) and their monthly pay
// statements once pay runs exist.
import { h } from './dom.js';
import { t, lang } from './i18n.js';
import { get, post } from './api.js';
import { section, table, errorBox } from './ui.js';
import { money, num, shortDate, weekday, time, addDays, dateQuery, parseISO, monday, today, dayOfWeek, iso } from './fmt.js';

const enc = encodeURIComponent;
const roles = { supervisor: ['看班', 'supervisor'], instructor: ['授课', 'instructor'], extra_adult: ['协助', 'extra adult'], patrol: ['巡查', 'patrol'], manager: ['管理', 'manager'] };
const role = (r) => (roles[r] ? roles[r][lang() === 'en' ? 1 : 0] : r);

const states = { none: ['未签到', 'not checked in'], draft: ['已签到', 'checked in'], checked_out: ['已签退，待审核', 'checked out, to approve'], approved: ['已审核', 'approved'], locked: ['已锁定', 'locked'] };
const state = (s) => (states[s] ? states[s][lang() === 'en' ? 1 : 0] : s);

// clockCell shows the hour record's state with the next step: 签到 (check
// in) before a record exists, 签退 (check out) after; the time sent is now.
function clockCell(sc, e) {
  const cell = h('td', { class: 'clock' });
  const draw = (rec) => {
    const st = rec ? rec.status : 'none';
    cell.dataset.status = st;
    cell.dataset.record = rec ? rec.record_id : '';
    cell.replaceChildren(state(st));
    if (!e.assignment) return;
    const step = st === 'none' ? ['签到', 'Check in', `${sc}/assignments/${enc(e.assignment.assignment_id)}:checkIn`]
      : st === 'draft' ? ['签退', 'Check out', `${sc}/hour-records/${enc(rec.record_id)}:checkOut`] : null;
    if (!step) return;
    cell.append(' ', h('button', { type: 'button', class: 'clock-step', onclick: async (ev) => {
      ev.target.disabled = true;
      try { draw((await post(step[2], { time: new Date().toISOString() })).record); }
      catch (err) { cell.append(errorBox(err)); ev.target.disabled = false; }
    } }, lang() === 'en' ? step[1] : step[0]));
  };
  draw(e.record);
  return cell;
}

export async function home(_p, query, account) {
  const sc = `/v1/schools/${enc(account.school_id)}`;
  const sp = `${sc}/staff/${enc(account.staff_id)}`;
  const week = parseISO(query.get('week')) || monday(today());
  const month = monthOf(query.get('month'));
  const go = (d) => `#/teacher?week=${iso(d)}&month=${monthText(month)}`;
  const page = h('div', { class: 'page teacher' }, h('h1', {}, t('我的一周')),
    h('div', { class: 'week-nav' }, h('a', { href: go(addDays(week, -7)) }, '‹ ', t('上一周')), h('span', {}, shortDate(week)), h('a', { href: go(addDays(week, 7)) }, t('下一周'), ' ›')));
  const [tt, ps, classes] = await Promise.all([
    get(`${sp}/timetable?${dateQuery('from', week)}&${dateQuery('to', addDays(week, 6))}`).catch((e) => e),
    get(`${sp}/pay-statements?year=${month.year}&month=${month.month}`).catch((e) => e),
    get(`${sc}/classes`).catch(() => ({}))]);
  const names = new Map((classes.classes || []).map((c) => [c.class_id, c.name]));
  if (tt instanceof Error) page.append(errorBox(tt));
  else {
    const entries = tt.entries || [];
    page.append(section(`${t('本周')} · ${tt.scheduled_periods || 0} ${t('课时')}`, entries.length
      ? table(['日期', '时间', '角色', '班级', '状态'].map(t), entries.map((e) => {
        const d = e.demand || {};
        const date = d.date || (e.assignment || {}).date;
        return { class: 'entry', cells: [`${weekday(dayOfWeek(date))} ${shortDate(date)}`, `${time(d.start)}–${time(d.end)}`, role(d.role),
          names.get(d.class_id) || d.class_id || d.club_id || '', clockCell(sc, e)] };
      }), { class: 'stack week-entries' })
      : h('p', {}, t('暂无记录'))));
  }
  page.append(payCard(ps, month));
  return page;
}

// monthOf reads ?month=YYYY-MM; without it the pay statements shown are
// last month's (a month is paid after it ends).
function monthOf(q) {
  const m = /^(\d{4})-(\d{2})$/.exec(q || '');
  if (m && +m[2] >= 1 && +m[2] <= 12) return { year: +m[1], month: +m[2] };
  const d = today();
  return d.month === 1 ? { year: d.year - 1, month: 12 } : { year: d.year, month: d.month - 1 };
}
const monthText = (m) => `${m.year}-${String(m.month).padStart(2, '0')}`;

const duties = { taught: ['授课', 'taught'], substitute_cover: ['代课', 'substitute cover'], supervision_only: ['仅看护', 'supervision only'], patrol: ['巡查', 'patrol'] };
const duty = (d) => (duties[d] ? duties[d][lang() === 'en' ? 1 : 0] : d || '');
const lineKinds = { class_teacher: ['班主任津贴', 'class-teacher allowance'], management: ['管理津贴', 'management share'] };

// rateCell: the rate of a line — per period or day, or per minute by time
// block (each block's minutes × its rate).
function rateCell(l) {
  if (l.pieces && l.pieces.length) return l.pieces.map((p) => h('div', {}, `${p.start}–${p.end} ${p.minutes}${t('分钟')} × ${money(p.rate)}`));
  const extra = l.extra_students ? h('div', { class: 'small' }, `+${l.extra_students} ${t('人')} × ${money(l.extra_per_student)}`) : null;
  const per = ({ per_period: '课时', per_day: '天', per_minute: '分钟' })[l.unit];
  return [l.rate ? (per ? `${money(l.rate)} / ${t(per)}` : money(l.rate)) : '', extra];
}

// payCard: the month's pay statements with every line (date, time, duty,
// minutes, periods, rate, multiplier, amount, rule and 文号) and what the
// cap held back; the month's paid and held-back totals are the API's.
function payCard(ps, month) {
  const pick = h('input', { type: 'month', name: 'month', value: monthText(month), onchange: (e) => {
    if (e.target.value) location.hash = `#/teacher?month=${e.target.value}`;
  } });
  const head = h('div', { class: 'week-nav' }, h('label', {}, `${t('月份')} `, pick));
  if (ps instanceof Error) return section(t('工资单'), head, errorBox(ps));
  const list = ps.statements || [];
  if (!list.length) return section(t('工资单'), head, h('p', {}, t('暂无记录')));
  const body = [head, h('dl', { class: 'balance pay-total' },
    h('dt', {}, `${monthText(month)} ${t('实发')}`), h('dd', { dataset: { total: 'paid' } }, money(ps.paid_total)),
    h('dt', {}, t('暂缓')), h('dd', { dataset: { total: 'held-back' } }, money(ps.held_back_total)))];
  for (const s of list) {
    const rows = (s.lines || []).map((l, i) => {
      const kind = lineKinds[l.kind];
      return { dataset: { line: i + 1 }, cells: [
        l.date ? `${weekday(dayOfWeek(l.date))} ${shortDate(l.date)}` : (kind ? kind[lang() === 'en' ? 1 : 0] : l.kind),
        l.start ? `${l.start}–${l.end}` : '',
        [role(l.role), l.duty ? h('div', { class: 'small' }, duty(l.duty)) : null, l.weekend_holiday ? h('div', { class: 'tag' }, t('节假日')) : null],
        h('span', { class: 'num' }, l.minutes ? String(l.minutes) : ''),
        h('span', { class: 'num' }, l.periods && l.periods !== '0' && l.periods !== '0.0000' ? num(l.periods) : (l.students && l.kind === 'class_teacher' ? `${l.students} ${t('人')}` : '')),
        rateCell(l),
        h('span', { class: 'num' }, l.multiplier ? `×${l.multiplier}` : ''),
        h('span', { class: 'num amount' }, money(l.amount)),
        [l.rule_id, h('div', { class: 'small' }, l.document_no || '')],
      ] };
    });
    const kindName = s.kind === 'adjustment' ? `${t('补差')} #${s.revision}` : t('工资单');
    body.push(h('section', { class: 'pay-statement', dataset: { statementId: s.statement_id } },
      h('h3', {}, `${kindName} · ${s.year}年${s.month}月`, h('span', { class: 'small' }, ` ${s.statement_id}`)),
      table(['日期', '时间', '职责', '分钟', '课时', '单价', '系数', '金额', '规则 · 文号'].map(t), rows, { class: 'stack pay-lines' }),
      h('dl', { class: 'balance' },
        h('dt', {}, t('应发')), h('dd', { dataset: { total: 'earned' } }, money(s.earned)),
        s.cap_rule_id ? [h('dt', {}, t('封顶')), h('dd', {}, `${s.cap_rule_id} ${money(s.cap_limit)}`)] : null,
        h('dt', {}, t('暂缓')), h('dd', { dataset: { total: 'held-back' } }, money(s.held_back)),
        h('dt', {}, t('实发')), h('dd', { dataset: { total: 'paid' } }, money(s.paid)))));
  }
  return section(t('工资单'), ...body);
}
