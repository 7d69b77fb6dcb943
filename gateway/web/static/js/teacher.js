// teacher.js: a teacher's or instructor's own week (sessions, times,
// classes and clubs, the hour record's state) and their monthly pay
// statements once pay runs exist.
import { h } from './dom.js';
import { t, lang } from './i18n.js';
import { get, post } from './api.js';
import { section, table, errorBox } from './ui.js';
import { money, shortDate, weekday, time, addDays, dateQuery, parseISO, monday, today, dayOfWeek, iso } from './fmt.js';

const enc = encodeURIComponent;
const roles = { supervisor: ['看班', 'supervisor'], instructor: ['授课', 'instructor'], patrol: ['巡查', 'patrol'], manager: ['管理', 'manager'] };
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
  const go = (d) => `#/teacher?week=${iso(d)}`;
  const page = h('div', { class: 'page teacher' }, h('h1', {}, t('我的一周')),
    h('div', { class: 'week-nav' }, h('a', { href: go(addDays(week, -7)) }, '‹ ', t('上一周')), h('span', {}, shortDate(week)), h('a', { href: go(addDays(week, 7)) }, t('下一周'), ' ›')));
  const [tt, ps, classes] = await Promise.all([
    get(`${sp}/timetable?${dateQuery('from', week)}&${dateQuery('to', addDays(week, 6))}`).catch((e) => e),
    get(`${sp}/pay-statements`).catch((e) => e),
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
  if (ps instanceof Error) page.append(errorBox(ps));
  else {
    const list = ps.statements || [];
    page.append(section(t('工资单'), list.length
      ? table(['月份', '应发', '实发', '暂缓'].map(t), list.map((s) => [`${s.year}-${String(s.month).padStart(2, '0')}${s.kind === 'adjustment' ? ' (+)' : ''}`,
        money(s.earned), money(s.paid), money(s.held_back)]), { class: 'stack' })
      : h('p', {}, t('暂无记录'))));
  }
  return page;
}
