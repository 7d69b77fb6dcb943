// teacher.js: a teacher's or instructor's own week (sessions, rooms,
// classes) and their monthly pay statements once pay runs exist.
import { h } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { section, table, errorBox } from './ui.js';
import { money, shortDate, weekday, time, addDays, dateQuery, parseISO, monday, today, dayOfWeek } from './fmt.js';

const enc = encodeURIComponent;

export async function home(_p, query, account) {
  const sp = `/v1/schools/${enc(account.school_id)}/staff/${enc(account.staff_id)}`;
  const week = parseISO(query.get('week')) || monday(today());
  const page = h('div', { class: 'page teacher' }, h('h1', {}, t('我的一周')));
  try {
    const tt = await get(`${sp}/timetable?${dateQuery('from', week)}&${dateQuery('to', addDays(week, 6))}`);
    const items = tt.assignments || tt.sessions || tt.entries || [];
    page.append(section(`${t('本周')} ${shortDate(week)}`, items.length
      ? table(['日期', '时间', '角色', '班级', '教室'].map(t), items.map((a) => [
        `${weekday(dayOfWeek(a.date))} ${shortDate(a.date)}`, `${time(a.start)}–${time(a.end)}`, a.role || '', a.class_id || a.club_id || '', a.room_id || '']))
      : h('p', {}, t('暂无记录'))));
  } catch (err) { page.append(errorBox(err)); }
  try {
    const ps = await get(`${sp}/pay-statements`);
    const list = ps.statements || [];
    page.append(section(t('工资单'), list.length
      ? table(['月份', '应发', '实发', '暂缓'].map(t), list.map((s) => [s.month || `${(s.period_start || {}).year}-${(s.period_start || {}).month}`, money(s.earned), money(s.paid), money(s.held_back)]))
      : h('p', {}, t('暂无记录'))));
  } catch (err) { page.append(errorBox(err)); }
  return page;
}
