// school.js: the school administrator's pages — the weekly plan as a grid
// (days × segments × classes and clubs) with "5+2" violations and room
// clashes marked and explained, the term's compliance report, the staffing
// grid with a periods-per-person chart, and enrolment approvals.
import { h } from './dom.js';
import { t, lang } from './i18n.js';
import { get, post, upload } from './api.js';
import { section, table, errorBox, progress, field, showFieldErrors, clearFieldErrors } from './ui.js';
import { date, shortDate, weekday, time, iso, parseISO, addDays, dateQuery, dayOfWeek } from './fmt.js';
import { terms, currentTerm, defaultWeek, weekDays } from './term.js';
import { barChart } from './chart.js';

const enc = encodeURIComponent;

// allStaff reads every page of the school's staff list.
async function allStaff(sp) {
  const out = [];
  let token = '';
  do {
    const r = await get(`${sp}/staff?page_size=500${token ? `&page_token=${enc(token)}` : ''}`);
    out.push(...(r.staff || []));
    token = r.next_page_token || '';
  } while (token);
  return { staff: out };
}

// schoolOf: a school administrator's own school; the bureau picks one with ?school=.
async function schoolOf(account, query) {
  if (account.school_id) return account.school_id;
  const q = query.get('school');
  if (q) return q;
  const r = await get(`/v1/districts/${enc(account.district_id)}/schools`);
  return ((r.schools || [])[0] || {}).school_id;
}

function weekNav(path, week, query) {
  const go = (d) => { const q = new URLSearchParams(query); q.set('week', iso(d)); return `#${path}?${q}`; };
  const pick = h('input', { type: 'date', name: 'week', value: iso(week), onchange: (e) => { const d = parseISO(e.target.value); if (d) location.hash = go(d); } });
  return h('div', { class: 'week-nav no-print' },
    h('a', { href: go(addDays(week, -7)) }, '‹ ', t('上一周')), h('label', {}, t('周次'), ' ', pick),
    h('a', { href: go(addDays(week, 7)) }, t('下一周'), ' ›'));
}

const segNames = { 1: '基础托管', 2: '兴趣拓展', 3: '延时托管' };
const ruleNames = {
  min_minutes: ['每日服务时长不足', 'Too few minutes a day'],
  end_before_off_work: ['结束早于下班时间', 'Ends before off-work time'],
  days_per_week: ['每周服务天数不足', 'Too few days a week'],
  evening_care_cap: ['延时托管超时', 'Evening care too late'],
  max_periods_per_day: ['每日课时超限', 'Too many periods a day'],
  outside_share_cap: ['校外机构占比超限', 'Outside share over the cap'],
};
const unitNames = { minutes: ['分钟', 'minutes'], days: ['天', 'days'], periods: ['课时', 'periods'], grade: ['年级', 'grade'], share: ['占比', 'share'], time_of_day: ['（当日分钟数）', 'minutes since midnight'] };
const unitName = (u) => (unitNames[u] ? unitNames[u][lang() === 'en' ? 1 : 0] : u || '');
const ruleName = (r) => (ruleNames[r] ? ruleNames[r][lang() === 'en' ? 1 : 0] : r);

// explainViolation: the rule, the numbers and the server's explanation.
function explainViolation(v, names) {
  const who = names.get(v.class_id || v.club_id) || v.class_id || v.club_id || '';
  const when = v.date && v.date.year ? `${weekday(v.weekday)} ${date(v.date)}` : (v.week && v.week.year ? `${t('周次')} ${date(v.week)}` : '');
  const msg = lang() === 'en' ? (v.message.split(' / ')[1] || v.message) : v.message.split(' / ')[0];
  return [ruleName(v.rule), when, who, `${t('实际')} ${v.got} / ${t('限值')} ${v.limit} ${unitName(v.unit)}`, msg];
}

// home: the weekly grid for one week, marked with the week's compliance report.
export async function home(_p, query, account) {
  const schoolId = await schoolOf(account, query);
  const page = h('div', { class: 'page school wide' });
  const list = await terms(schoolId);
  const term = list.find((x) => x.term_id === query.get('term')) || currentTerm(list);
  if (!term) { page.append(h('p', {}, t('暂无记录'))); return page; }
  const week = parseISO(query.get('week')) || defaultWeek(term);
  const sp = `/v1/schools/${enc(schoolId)}`;
  const tp = `${sp}/terms/${enc(term.term_id)}`;
  const end = addDays(week, 6);
  const [school, occ, classes, clubs, rooms, report, termReport] = await Promise.all([
    get(sp), get(`${tp}/occurrences?${dateQuery('from', week)}&${dateQuery('to', end)}`),
    get(`${sp}/classes`), get(`${tp}/clubs`), get(`${sp}/rooms`),
    get(`${tp}/compliance?${dateQuery('week_of', week)}`), get(`${tp}/compliance`)]);
  const names = new Map();
  for (const c of classes.classes || []) names.set(c.class_id, c.name);
  for (const c of clubs.clubs || []) names.set(c.club_id, c.name);
  const roomNames = new Map((rooms.rooms || []).map((r) => [r.room_id, r.name]));
  page.append(h('h1', {}, `${school.school.name} · ${t('周计划')}`), h('p', { class: 'small' }, term.name), weekNav('/school', week, query));
  page.append(grid(week, occ.occurrences || [], report.report, names, roomNames, classes.classes || []));
  page.append(complianceCard(termReport.report, names));
  return page;
}

function grid(week, occs, report, names, roomNames, classes) {
  // Monday to Friday, and a weekend day only when it is a working swap day with sessions.
  const all = weekDays(week);
  const days = all.filter((d, i) => i < 5 || occs.some((o) => iso(o.date) === iso(d)));
  // Room clashes: two sessions in one room at overlapping times on one day.
  const clash = new Map();
  const byRoomDay = new Map();
  for (const o of occs) {
    if (o.status === 'OCCURRENCE_STATUS_CANCELLED' || !o.room_id) continue;
    const k = `${iso(o.date)}|${o.room_id}`;
    if (!byRoomDay.has(k)) byRoomDay.set(k, []);
    byRoomDay.get(k).push(o);
  }
  const mins = (x) => x.hours * 60 + (x.minutes || 0);
  for (const list of byRoomDay.values()) for (const a of list) for (const b of list) {
    if (a !== b && mins(a.start) < mins(b.end) && mins(b.start) < mins(a.end)) {
      clash.set(a.occurrence_id, `${t('教室冲突')}：${roomNames.get(a.room_id) || a.room_id} ${names.get(b.class_id || b.club_id) || ''} ${time(b.start)}–${time(b.end)}`);
    }
  }
  // Violations, numbered; each marks the cells it is about.
  const vs = (report && report.violations) || [];
  const marks = (o) => {
    const out = [];
    vs.forEach((v, i) => {
      const sameDay = v.date && v.date.year ? iso(v.date) === iso(o.date) : true;
      const sameWho = v.class_id ? v.class_id === o.class_id : v.club_id ? v.club_id === o.club_id : true;
      const sameWeekday = v.weekday && !(v.date && v.date.year) ? v.weekday === o.weekday : true;
      if (sameDay && sameWho && sameWeekday) out.push(i + 1);
    });
    return out;
  };
  const rowsBy = new Map(); // "segment|who" -> {segment, who, cells: Map(date -> [occ])}
  for (const o of occs) {
    const who = o.class_id || o.club_id;
    const k = `${o.segment}|${o.club_id ? 'club' : 'class'}|${who}`;
    if (!rowsBy.has(k)) rowsBy.set(k, { segment: o.segment, who, club: !!o.club_id, grade: o.grade, cells: new Map() });
    const r = rowsBy.get(k);
    if (!r.cells.has(iso(o.date))) r.cells.set(iso(o.date), []);
    r.cells.get(iso(o.date)).push(o);
  }
  // Classes with a violation but no session that day still get their row.
  for (const v of vs) if (v.class_id && ![...rowsBy.values()].some((r) => r.who === v.class_id)) {
    rowsBy.set(`1|class|${v.class_id}`, { segment: 1, who: v.class_id, club: false, cells: new Map() });
  }
  const rows = [...rowsBy.values()].sort((a, b) => a.segment - b.segment || (a.grade || 0) - (b.grade || 0) || String(names.get(a.who)).localeCompare(String(names.get(b.who))));
  const head = h('tr', {}, h('th', {}, t('时段')), h('th', {}, `${t('班级')}/${t('社团')}`),
    days.map((d) => h('th', {}, weekday(all.indexOf(d) + 1), h('div', { class: 'small' }, shortDate(d)))));
  const body = [];
  let lastSeg = 0;
  for (const r of rows) {
    const tr = h('tr', { class: r.segment !== lastSeg ? 'seg-start' : null });
    tr.append(h('th', { class: 'seg' }, r.segment !== lastSeg ? `${t('第')}${r.segment}${t('段')} ${t(segNames[r.segment] || '')}` : ''));
    lastSeg = r.segment;
    tr.append(h('th', { class: 'who' }, names.get(r.who) || r.who));
    for (const d of days) {
      const list = r.cells.get(iso(d)) || [];
      const vm = new Set();
      for (const o of list) for (const m of marks(o)) vm.add(m);
      if (!list.length) vs.forEach((v, i) => { if (v.class_id === r.who && v.date && iso(v.date) === iso(d)) vm.add(i + 1); });
      const clashes = list.map((o) => clash.get(o.occurrence_id)).filter(Boolean);
      const td = h('td', {
        class: [vm.size ? 'violation' : '', clashes.length ? 'clash' : ''].filter(Boolean).join(' ') || null,
        title: [...[...vm].map((m) => explainViolation(vs[m - 1], names).join(' · ')), ...clashes].join('\n') || null,
        dataset: { date: iso(d), who: r.who, violations: [...vm].join(',') },
      });
      for (const o of list) {
        const cancelled = o.status === 'OCCURRENCE_STATUS_CANCELLED';
        td.append(h('div', { class: cancelled ? 'occ cancelled' : 'occ' },
          h('span', {}, `${time(o.start)}–${time(o.end)}`), ' ', h('span', { class: 'room' }, roomNames.get(o.room_id) || ''),
          cancelled ? h('div', { class: 'small' }, `${t('已取消')}：${o.cancel_reason}`) : null));
      }
      for (const m of vm) td.append(h('sup', { class: 'mark' }, `⚠${m}`));
      tr.append(td);
    }
    body.push(tr);
  }
  const explained = vs.length
    ? h('ol', { class: 'violations' }, vs.map((v) => h('li', {}, explainViolation(v, names).filter(Boolean).join(' · '))))
    : h('p', { class: 'ok' }, t('本周合规'));
  return section(`${t('周计划')} · ${date(week)}`,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', dataset: { week: iso(week) } }, h('thead', {}, head), h('tbody', {}, body))),
    h('h3', {}, t('违规说明'), ' ', h('span', { class: report && report.compliant ? 'badge ok' : 'badge bad', dataset: { compliant: String(!!(report && report.compliant)) } },
      report && report.compliant ? t('合规') : t('不合规'))),
    explained,
    clash.size ? h('p', { class: 'clash-note' }, `${t('冲突')}：${clash.size}`) : null);
}

function complianceCard(report, names) {
  const vs = (report && report.violations) || [];
  return section(`${t('合规检查')} · ${t('整学期')} (${date(report.from)}–${date(report.to)})`,
    h('p', {}, `${report.school_days} 个上课日 · `, h('span', { class: report.compliant ? 'badge ok' : 'badge bad' }, report.compliant ? t('合规') : t('不合规'))),
    vs.length ? table(['规则', '日期', '班级', '实际', '说明'].map(t), vs.map((v) => explainViolation(v, names))) : null);
}

// staffing: who covers what this week, what is uncovered and why, and
// periods per person as a chart.
export async function staffing(_p, query, account) {
  const schoolId = await schoolOf(account, query);
  const list = await terms(schoolId);
  const term = currentTerm(list);
  const week = parseISO(query.get('week')) || defaultWeek(term);
  const sp = `/v1/schools/${enc(schoolId)}`;
  const [g, staff] = await Promise.all([get(`${sp}/staffing-grid?${dateQuery('week_start', week)}`), allStaff(sp)]);
  const grid = g.grid || {};
  const who = new Map((staff.staff || []).map((s) => [s.staff_id, s.name]));
  const perPerson = new Map();
  for (const a of grid.assignments || []) if (a.status !== 'cancelled') perPerson.set(a.staff_id, (perPerson.get(a.staff_id) || 0) + (a.periods || 0));
  const byDemand = new Map((grid.assignments || []).map((a) => [a.demand_id, a]));
  const fair = grid.fairness || {};
  const page = h('div', { class: 'page school wide' }, h('h1', {}, t('人员排班')), weekNav('/school/staffing', week, query));
  page.append(section(`${t('需求')} ${fair.needed ?? '—'} · ${t('已覆盖')} ${fair.covered ?? '—'} · ${t('未覆盖')} ${(grid.uncovered || []).length}`,
    (grid.uncovered || []).length ? table(['日期', '时段', '角色', '原因'].map(t), grid.uncovered.map((u) => [
      date(u.date), u.segment || '', u.role || '', u.reason || u.detail || JSON.stringify(u)])) : h('p', { class: 'ok' }, t('已覆盖'))));
  const bars = [...perPerson.entries()].map(([id, n]) => ({ label: who.get(id) || id, value: n })).sort((a, b) => b.value - a.value);
  page.append(section(`${t('每人课时')} · ${t('公平性')} ${fair.unfairness ?? ''}`, barChart(bars, { unit: t('课时') })));
  page.append(section(t('人员排班'), table(['日期', '时间', '角色', '班级', '姓名'].map(t), (grid.demands || []).map((d) => {
    const a = byDemand.get(d.demand_id);
    return { class: a ? null : 'uncovered', cells: [`${weekday(dayOfWeek(d.date))} ${shortDate(d.date)}`,
      `${time(d.start)}–${time(d.end)}`, d.role, d.class_id || d.club_id || '', a ? (who.get(a.staff_id) || a.staff_id) : t('未覆盖')] };
  }))));
  return page;
}

const statusNames = { ENROLMENT_STATUS_PENDING: '待审批', ENROLMENT_STATUS_APPROVED: '已审批', ENROLMENT_STATUS_WITHDRAWN: '已退出' };

// enrolments: pending sign-ups to approve, and how full each club is.
export async function enrolments(_p, query, account) {
  const schoolId = await schoolOf(account, query);
  const term = currentTerm(await terms(schoolId));
  const tp = `/v1/schools/${enc(schoolId)}/terms/${enc(term.term_id)}`;
  const [en, items, clubs] = await Promise.all([get(`${tp}/enrolments?page_size=500`), get(`${tp}/items`), get(`${tp}/clubs`)]);
  const itemName = new Map((items.items || []).map((i) => [i.item_id, i.name]));
  const list = (en.enrolments || []).slice().sort((a, b) => (a.status === 'ENROLMENT_STATUS_PENDING' ? -1 : 1) - (b.status === 'ENROLMENT_STATUS_PENDING' ? -1 : 1));
  const rows = list.map((e) => {
    const cell = h('td', {}, t(statusNames[e.status] || e.status));
    if (e.status === 'ENROLMENT_STATUS_PENDING') {
      cell.append(' ', h('button', { type: 'button', onclick: async (ev) => {
        ev.target.disabled = true;
        try { await post(`/v1/schools/${enc(schoolId)}/enrolments/${enc(e.enrolment_id)}:approve`, {}); cell.textContent = t('已审批'); }
        catch (err) { cell.append(errorBox(err)); ev.target.disabled = false; }
      } }, t('审批')));
    }
    return [e.student_id, itemName.get(e.item_id) || e.item_id, date(e.start_date), cell];
  });
  const clubRows = (clubs.clubs || []).map((c) => [c.name, (c.grades || []).join('、'), `${c.members}/${c.capacity}`]);
  const run = h('button', { type: 'button' }, `${t('社团分配')} · ${t('运行')}`);
  const out = h('div');
  run.addEventListener('click', async () => {
    run.disabled = true;
    const p = progress();
    out.replaceChildren(p.el);
    try {
      const r = await post(`${tp}/clubs:allocate`, { seed: 2026 });
      p.done(t('已获分配'));
      out.append(allocationReport(r.report || r));
    } catch (err) { p.done(''); out.append(errorBox(err)); }
    run.disabled = false;
  });
  return h('div', { class: 'page school wide' }, h('h1', {}, t('报名审批')),
    section(t('报名审批'), table(['学生', '内容', '开始日期', '状态'].map(t), rows)),
    section(t('社团分配'), table(['社团', '年级', '人数'].map(t), clubRows), run, out));
}

// allocationReport: how many got their first, second, third or a lower
// choice, how many were placed by the second round (调剂) and who got none.
function allocationReport(r) {
  const sh = r.shares || {};
  const pct = (x) => (x ? `${(Number(x) * 100).toFixed(1)}%` : '');
  const rows = [
    [t('第一志愿'), r.first_choice, pct(sh.first)], [t('第二志愿'), r.second_choice, pct(sh.second)],
    [t('第三志愿'), r.third_choice, pct(sh.third)], [lang() === 'en' ? 'Lower choice' : '其他志愿', r.lower_choice, pct(sh.lower)],
    [lang() === 'en' ? 'Second round (调剂)' : '调剂', r.second_round, pct(sh.second_round)], [t('未获分配'), r.unplaced, pct(sh.none)],
  ];
  return h('div', { class: 'allocation', dataset: { students: r.students } },
    h('p', {}, `${t('学生')} ${r.students} · ${r.mode || ''} · seed ${r.seed}`),
    table(['内容', '人数', '占比'].map(t), rows.map((x) => [x[0], String(x[1] ?? 0), x[2]])),
    barChart(rows.map((x) => ({ label: x[0], value: x[1] || 0 })), { unit: lang() === 'en' ? 'students' : '人' }));
}

const recordStatus = { draft: ['已签到', 'checked in'], checked_out: ['待审核', 'to approve'], approved: ['已审核', 'approved'], locked: ['已锁定', 'locked'] };

// hours: the week's sessions of every staff member with their hour
// record; a checked-out record is approved here (审核课时).
export async function hours(_p, query, account) {
  const schoolId = await schoolOf(account, query);
  const term = currentTerm(await terms(schoolId));
  const week = parseISO(query.get('week')) || defaultWeek(term);
  const sp = `/v1/schools/${enc(schoolId)}`;
  const [staff, classes] = await Promise.all([allStaff(sp), get(`${sp}/classes`)]);
  const names = new Map((classes.classes || []).map((c) => [c.class_id, c.name]));
  const people = staff.staff || [];
  const weeks = await Promise.all(people.map((p) => get(`${sp}/staff/${enc(p.staff_id)}/timetable?${dateQuery('from', week)}&${dateQuery('to', addDays(week, 6))}`).catch((e) => e)));
  const rows = [];
  let toApprove = 0;
  people.forEach((p, i) => {
    const w = weeks[i];
    if (w instanceof Error) { rows.push([p.name, errorBox(w), '', '', '', '']); return; }
    for (const e of w.entries || []) {
      const d = e.demand || {}, r = e.record;
      const st = r ? (recordStatus[r.status] || [r.status, r.status])[lang() === 'en' ? 1 : 0] : (lang() === 'en' ? 'not checked in' : '未签到');
      const cell = h('td', { dataset: { record: r ? r.record_id : '', status: r ? r.status : 'none' } }, st);
      if (r && r.status === 'checked_out') {
        toApprove++;
        cell.append(' ', h('button', { type: 'button', class: 'approve', onclick: async (ev) => {
          ev.target.disabled = true;
          try {
            const res = await post(`${sp}/hour-records/${enc(r.record_id)}:approve`, { approved_by: account.display_name || account.user_name });
            cell.dataset.status = res.record.status;
            cell.replaceChildren((recordStatus[res.record.status] || [res.record.status])[lang() === 'en' ? 1 : 0]);
          } catch (err) { cell.append(errorBox(err)); ev.target.disabled = false; }
        } }, t('审批')));
      }
      rows.push({ class: 'hour', cells: [p.name, `${weekday(dayOfWeek(d.date))} ${shortDate(d.date)}`, `${time(d.start)}–${time(d.end)}`,
        names.get(d.class_id) || d.class_id || d.club_id || d.role || '', r ? `${r.credited_minutes || r.actual_minutes || 0}/${r.scheduled_minutes} min` : '', cell] });
    }
  });
  return h('div', { class: 'page school wide' }, h('h1', {}, t('课时审核')), weekNav('/school/hours', week, query),
    section(`${t('待审批')} ${toApprove}`, table(['姓名', '日期', '时间', '班级', lang() === 'en' ? 'Minutes' : '分钟', '状态'].map(t), rows, { class: 'hours' })));
}

const importKinds = [['students', '学生名册', 'students'], ['classes', '班级', 'classes'], ['rooms', '教室', 'rooms'], ['clubs', '社团', 'clubs']];
const importStates = { IMPORT_STATE_RUNNING: ['导入中', 'running'], IMPORT_STATE_SUCCEEDED: ['通过', 'succeeded'], IMPORT_STATE_REJECTED: ['有错误，未写入', 'rejected, nothing written'], IMPORT_STATE_FAILED: ['失败，未写入', 'failed, nothing written'] };

// imports: a roster file (.xlsx or CSV) uploaded to timetable's import
// route, checked only (试导入) or applied; the job's percent shows on a
// progress bar with its number while it runs, then the report: counts and
// every bad row with its column and the reason in Chinese.
export async function imports(_p, query, account) {
  const schoolId = await schoolOf(account, query);
  const page = h('div', { class: 'page school' }, h('h1', {}, t('名册导入')));
  const kind = h('select', { name: 'kind' }, importKinds.map(([v, zh, en]) => h('option', { value: v }, lang() === 'en' ? en : zh)));
  const file = h('input', { type: 'file', name: 'file', accept: '.xlsx,.csv' });
  const dry = h('input', { type: 'checkbox', name: 'dry_run', checked: true });
  const out = h('div', { class: 'import-result' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('上传'));
  const form = h('form', { class: 'import-form', novalidate: true },
    field(t('类型'), kind), field(t('文件'), file), h('label', { class: 'check' }, dry, ` ${t('仅检查，不写入（试导入）')}`), submit, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    out.replaceChildren();
    const f = file.files && file.files[0];
    if (!f) { showFieldErrors(form, { violations: [{ field: 'file', text: t('必填') }] }); return; }
    submit.disabled = true;
    const p = progress(lang() === 'en' ? 'Reading the file…' : '正在读取文件…');
    out.append(p.el);
    try {
      const q = new URLSearchParams({ school_id: schoolId, kind: kind.value, dry_run: String(dry.checked), file_name: f.name });
      let job = (await upload(`/v1/imports?${q}`, f)).import;
      p.set(job.percent);
      while (job.state === 'IMPORT_STATE_RUNNING') {
        await new Promise((r) => setTimeout(r, 200));
        job = (await get(`/v1/schools/${enc(schoolId)}/imports/${enc(job.import_id)}`)).import;
        p.set(job.percent);
      }
      p.done(`${t('进度')} ${job.percent}% · ${(importStates[job.state] || [job.state, job.state])[lang() === 'en' ? 1 : 0]}`);
      out.append(importReport(job));
    } catch (err) {
      p.done('');
      showFieldErrors(form, err);
    }
    submit.disabled = false;
  });
  page.append(section(t('上传名册'), form));
  return page;
}

function importReport(job) {
  const r = job.report || {};
  const box = h('div', { class: 'import-report', dataset: { importId: job.import_id, state: job.state } },
    h('dl', { class: 'balance' },
      h('dt', {}, t('行数')), h('dd', { dataset: { count: 'rows' } }, String(r.rows || 0)),
      h('dt', {}, t('新增')), h('dd', { dataset: { count: 'new' } }, String(r.new_rows || 0)),
      h('dt', {}, t('修改')), h('dd', { dataset: { count: 'changed' } }, String(r.changed_rows || 0)),
      h('dt', {}, t('不变')), h('dd', { dataset: { count: 'unchanged' } }, String(r.unchanged_rows || 0)),
      h('dt', {}, t('错误')), h('dd', { dataset: { count: 'rejected' } }, String(r.rejected_rows || 0))),
    h('p', {}, r.applied ? t('已写入') : t('未写入')));
  if (r.failure) box.append(h('div', { class: 'error', role: 'alert' }, lang() === 'en' ? r.failure : (r.failure_zh || r.failure)));
  if ((r.errors || []).length) box.append(table(['行', '列', '原因'].map(t), r.errors.map((x) => ({ class: 'import-error', cells: [String(x.row), x.column, lang() === 'en' ? x.reason : (x.reason_zh || x.reason)] }))));
  return box;
}
