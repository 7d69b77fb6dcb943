// parent.js: the parents' pages, phone first — their children, each child's
// week, club choices and leave, and the fee statements with every line
// explained. Every id in the URL goes to the API as it is, so a child who is
// not the parent's answers 404 there and the page says so.
import { h } from './dom.js';
import { t, lang } from './i18n.js';
import { get, post } from './api.js';
import { section, table, errorBox, showFieldErrors, clearFieldErrors, field, payer } from './ui.js';
import { money, num, date, shortDate, weekday, time, dateTime, iso, parseISO, today, cmp, addDays, dayOfWeek, dateQuery } from './fmt.js';
import { terms, currentTerm, defaultWeek, weekDays } from './term.js';

const enc = encodeURIComponent;
const childPath = (sc, st) => `#/parent/${enc(sc)}/${enc(st)}`;

export async function home(_p, _q, account) {
  const kids = account.students || [];
  const names = {};
  // Each child's name and class come from the child's own week (the one
  // read of a child's name a parent has); without a term, the id shows.
  const who = {};
  await Promise.all([
    ...[...new Set(kids.map((k) => k.school_id))].map(async (sc) => {
      try { names[sc] = (await get(`/v1/schools/${enc(sc)}`)).school.name; } catch { names[sc] = sc; }
    }),
    ...kids.map(async (k) => {
      try {
        const term = currentTerm(await terms(k.school_id));
        if (!term) return;
        const w = await get(`/v1/schools/${enc(k.school_id)}/students/${enc(k.student_id)}/terms/${enc(term.term_id)}/week?${dateQuery('week_of', defaultWeek(term))}`);
        who[k.student_id] = `${w.name}${w.class_name ? ` · ${w.class_name}` : ''}`;
      } catch { /* the id shows */ }
    })]);
  return h('div', { class: 'page parent' },
    h('h1', {}, t('我的孩子')),
    kids.length === 0 ? h('p', {}, t('暂无记录')) : h('ul', { class: 'kids' }, kids.map((k, i) => h('li', { class: 'card', dataset: { student: k.student_id } },
      h('div', { class: 'kid-name' }, who[k.student_id] || `${t('孩子')} ${i + 1}`, h('span', { class: 'small' }, ` ${k.student_id}`)),
      h('div', {}, names[k.school_id]),
      h('div', { class: 'links' },
        h('a', { href: childPath(k.school_id, k.student_id) }, t('本周课表')),
        h('a', { href: childPath(k.school_id, k.student_id) + '/statements' }, t('费用明细')))))));
}

function childHeader(school, student, active) {
  return h('nav', { class: 'tabs' },
    h('a', { href: childPath(school, student), class: active === 'week' ? 'active' : null }, t('本周课表')),
    h('a', { href: childPath(school, student) + '/statements', class: active === 'fees' ? 'active' : null }, t('费用明细')));
}

// child: this week's timetable, club choices and leave for one child.
export async function child([schoolId, studentId], query) {
  const page = h('div', { class: 'page parent' }, childHeader(schoolId, studentId, 'week'));
  const list = await terms(schoolId);
  const term = list.find((x) => x.term_id === query.get('term')) || currentTerm(list);
  if (!term) { page.append(h('p', {}, t('暂无记录'))); return page; }
  const base = `/v1/schools/${enc(schoolId)}/terms/${enc(term.term_id)}`;
  // The enrolments answer first: for another family's child they are 404,
  // and nothing else is asked.
  let enrolments;
  try {
    enrolments = (await get(`${base}/enrolments?student_id=${enc(studentId)}`)).enrolments || [];
  } catch (err) {
    page.append(errorBox(err));
    return page;
  }
  const week = parseISO(query.get('week')) || defaultWeek(term);
  // The child's own week (name, class, sessions with club and room) and
  // who staffs those sessions: the only reads of names a parent has.
  const wq = dateQuery('week_of', week);
  const childBase = `/v1/schools/${enc(schoolId)}/students/${enc(studentId)}/terms/${enc(term.term_id)}`;
  const [school, cal, items, clubs, mine, staffed] = await Promise.all([
    get(`/v1/schools/${enc(schoolId)}`), get(`${base}/calendar`), get(`${base}/items`), get(`${base}/clubs`),
    get(`${childBase}/week?${wq}`).catch((e) => e), get(`${childBase}/teachers?${wq}`).catch((e) => e)]);
  const who = mine instanceof Error ? studentId : `${mine.name}${mine.class_name ? ` · ${mine.class_name}` : ''}`;
  page.append(h('h1', {}, school.school.name), h('p', { class: 'small child-name' }, `${term.name} · ${who}`));
  page.append(weekTable(week, term, cal.days || [], mine, staffed, (w) => `${childPath(schoolId, studentId)}?term=${enc(term.term_id)}&week=${iso(w)}`));
  page.append(signUp(schoolId, term, studentId, items.items || [], enrolments));
  page.append(clubForm(schoolId, term, studentId, clubs.clubs || []));
  page.append(leaveForm(schoolId, studentId, term));
  return page;
}

const roleNames = { supervisor: ['看护', 'supervises'], instructor: ['授课', 'teaches'], extra_adult: ['协助', 'assists'], patrol: ['巡课', 'patrols'] };
const roleName = (r) => (roleNames[r] ? roleNames[r][lang() === 'en' ? 1 : 0] : r);

// weekTable: the week's calendar days (holidays, 调休) with the child's
// sessions from GetStudentWeek — time, item and club, room — and the
// teachers staffing each (ListStudentTeachers); a week not yet staffed
// says so instead of naming anyone.
function weekTable(week, term, days, mine, staffed, link) {
  const byDate = new Map(days.map((d) => [iso(d.date), d]));
  const nav = h('nav', { class: 'week-nav' },
    h('a', { href: link(addDays(week, -7)) }, t('上一周')), h('a', { href: link(addDays(week, 7)) }, t('下一周')));
  if (mine instanceof Error) return section(`${t('本周课表')} · ${date(week)} 起`, nav, errorBox(mine));
  const sessions = mine.sessions || [];
  const teachers = new Map();
  if (!(staffed instanceof Error)) for (const x of staffed.teachers || []) {
    if (!teachers.has(x.occurrence_id)) teachers.set(x.occurrence_id, []);
    teachers.get(x.occurrence_id).push(x);
  }
  const rows = [];
  for (const d of weekDays(week)) {
    const cd = byDate.get(iso(d));
    const label = h('td', { class: 'day' }, h('b', {}, weekday(cd ? cd.weekday : dayOfWeek(d)) || ''), ' ', shortDate(d));
    const ofDay = sessions.filter((x) => iso(x.date) === iso(d));
    if (!ofDay.length) {
      if (cd && (cd.holiday || cd.closed)) rows.push({ cells: [label, h('td', { colspan: 4, class: 'off' }, `${t('放假')} ${cd.name || cd.closure_note || ''}`)], class: 'off' });
      else if (cd && cd.school_day) rows.push([label, h('td', { colspan: 4 }, t('无课后服务'))]);
      continue;
    }
    if (cd && cd.swapped) label.append(h('div', { class: 'tag' }, `${t('调休上课')}（${weekday(cd.follows_weekday)}）`));
    ofDay.forEach((x, i) => {
      const cancelled = x.status === 'OCCURRENCE_STATUS_CANCELLED';
      const what = h('td', { class: 'what', dataset: { label: t('内容') } }, x.club_name ? [h('b', { class: 'club' }, x.club_name), h('div', { class: 'small' }, x.item_name)] : x.item_name,
        x.pending ? h('div', { class: 'tag' }, t('待审批')) : null,
        cancelled ? h('div', { class: 'tag cancelled' }, `${t('已取消')} ${x.cancel_reason || ''}`) : null);
      const people = teachers.get(x.occurrence_id) || [];
      const cells = [h('td', { dataset: { label: t('时间') } }, `${time(x.start)}–${time(x.end)}`), what, h('td', { class: 'room', dataset: { label: t('教室') } }, x.room_name || '—'),
        h('td', { class: 'teacher', dataset: { label: t('老师') } }, people.length ? people.map((p) => h('div', {}, p.name, h('span', { class: 'small' }, ` ${roleName(p.role)}`))) : h('span', { class: 'small' }, t('待安排')))];
      if (i === 0) { label.setAttribute('rowspan', ofDay.length); cells.unshift(label); }
      rows.push({ cells, class: cancelled ? 'cancelled' : null, dataset: { occurrence: x.occurrence_id } });
    });
  }
  return section(`${t('本周课表')} · ${date(week)} 起`, nav,
    table(['日期', '时间', '内容', '教室', '老师'].map(t), rows, { class: 'week stack', dataset: { week: iso(week) } }),
    staffed instanceof Error ? errorBox(staffed) : null);
}

// signUp: the term's services the child is not enrolled in, each with a
// sign-up button (报名); the school approves it.
function signUp(schoolId, term, studentId, items, enrolments) {
  const status = new Map(enrolments.filter((e) => e.status !== 'ENROLMENT_STATUS_WITHDRAWN').map((e) => [e.item_id, e.status]));
  const names = { ENROLMENT_STATUS_PENDING: '待审批', ENROLMENT_STATUS_APPROVED: '已审批' };
  const rows = items.map((it) => {
    const cell = h('td', { dataset: { item: it.item_id } });
    if (status.has(it.item_id)) cell.append(t(names[status.get(it.item_id)] || '已提交'));
    else cell.append(h('button', { type: 'button', class: 'sign-up', onclick: async (ev) => {
      ev.target.disabled = true;
      const d = today(), start = cmp(d, term.start_date) < 0 ? term.start_date : d;
      try {
        await post(`/v1/schools/${enc(schoolId)}/enrolments`, { student_id: studentId, item_id: it.item_id, start_date: start });
        cell.replaceChildren(t('待审批'));
      } catch (err) { cell.append(errorBox(err)); ev.target.disabled = false; }
    } }, lang() === 'en' ? 'Sign up' : '报名'));
    const w = (it.windows || [])[0];
    return [it.name, w ? `${time(w.start)}–${time(w.end)}` : '', cell];
  });
  return section(lang() === 'en' ? 'Services this term' : '本学期服务报名', table(['内容', '时间', '状态'].map(t), rows, { class: 'items' }));
}

function clubForm(schoolId, term, studentId, clubs) {
  const pick = (rank) => h('select', { name: `club_ids.${rank - 1}`, 'aria-label': `${rank}` },
    h('option', { value: '' }, '—'), clubs.map((c) => h('option', { value: c.club_id }, `${c.name}（${c.members}/${c.capacity}）`)));
  const selects = [pick(1), pick(2), pick(3)];
  const status = h('p', { class: 'status' });
  const form = h('form', { class: 'club-form', novalidate: true },
    selects.map((s, i) => field([t('第一志愿'), t('第二志愿'), t('第三志愿')][i], s)),
    h('button', { type: 'submit' }, t('提交志愿')), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const ids = selects.map((s) => s.value).filter(Boolean);
    try {
      const r = await post(`/v1/schools/${enc(schoolId)}/terms/${enc(term.term_id)}/club-choices`, { student_id: studentId, club_ids: ids });
      status.textContent = `${t('已提交')}：${r.choices ?? ids.length}`;
    } catch (err) {
      if (err.violations) for (const v of err.violations) v.field = v.field.replace(/^club_ids\[(\d+)\]$/, 'club_ids.$1');
      showFieldErrors(form, err);
    }
  });
  return section(t('社团报名'), form);
}

function leaveForm(schoolId, studentId, term) {
  const start = h('input', { type: 'date', name: 'start_date', min: iso(term.start_date), max: iso(term.end_date) });
  const end = h('input', { type: 'date', name: 'end_date', min: iso(term.start_date), max: iso(term.end_date) });
  const reason = h('input', { name: 'reason', maxlength: 200 });
  const status = h('p', { class: 'status' });
  const form = h('form', { class: 'leave-form', novalidate: true },
    field(t('开始日期'), start), field(t('结束日期'), end), field(t('原因'), reason),
    h('button', { type: 'submit' }, t('提交请假')), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const body = { reason: reason.value };
    if (start.value) body.start_date = parseISO(start.value);
    if (end.value) body.end_date = parseISO(end.value);
    try {
      await post(`/v1/schools/${enc(schoolId)}/students/${enc(studentId)}/leaves`, body);
      status.textContent = t('请假已提交');
    } catch (err) {
      showFieldErrors(form, err);
    }
  });
  return section(t('请假'), form);
}

const unitNames = { per_period: ['课时', 'periods'], per_day: ['天', 'days'], per_month: ['月', 'months'], per_term: ['学期', 'terms'], per_session: ['次', 'sessions'] };
const unit = (u) => (unitNames[u] ? unitNames[u][lang() === 'en' ? 1 : 0] : u);

// statements: a term's fee statements, line by line, then payments,
// refunds and the balance, and the fee schedule they were billed under.
export async function statements([schoolId, studentId], query) {
  const page = h('div', { class: 'page parent statements' }, childHeader(schoolId, studentId, 'fees'));
  const sp = `/v1/schools/${enc(schoolId)}`;
  // Two round trips: the terms with the payments (which need no term), then
  // the term's statements with its balance.
  const paying = get(`${sp}/payments?student_id=${enc(studentId)}`).catch((e) => e);
  const list = await terms(schoolId);
  const term = list.find((x) => x.term_id === query.get('term')) || currentTerm(list);
  if (!term) { page.append(h('p', {}, t('暂无记录'))); return page; }
  const balancing = get(`${sp}/balances?student_id=${enc(studentId)}&term_id=${enc(term.term_id)}`).catch((e) => e);
  let res;
  try {
    res = await get(`${sp}/students/${enc(studentId)}/terms/${enc(term.term_id)}/statements`);
  } catch (err) {
    page.append(errorBox(err));
    await Promise.all([paying, balancing]);
    return page;
  }
  const [pays, bal] = await Promise.all([paying, balancing]);
  const termPicker = h('select', { name: 'term', onchange: (e) => { location.hash = `${childPath(schoolId, studentId)}/statements?term=${enc(e.target.value)}`; } },
    list.map((x) => h('option', { value: x.term_id, selected: x.term_id === term.term_id }, x.name)));
  page.append(h('h1', {}, t('费用明细')), field(t('学期'), termPicker));
  const sts = res.statements || [];
  page.append(h('div', { class: 'card term-total' },
    h('span', {}, `${term.name} ${t('家长应付')} ${t('合计')}`),
    h('strong', { dataset: { total: 'parent-term' } }, money(res.parent_total))));
  if (!sts.length) page.append(h('p', {}, t('暂无账单')));
  for (const s of sts) page.append(statementCard(s));
  page.append(paymentsCard(pays, bal, term));
  if (sts.length) page.append(scheduleCard(sts));
  return page;
}

function explain(l) {
  const parts = [`${num(l.quantity)} ${unit(l.unit)} × ${money(l.unit_rate)} = ${money(l.gross)}`];
  for (const a of l.adjustments || []) parts.push(`${a.reason || a.kind || t('减免调整')} ${money(a.amount)}`);
  const days = [];
  if (l.days_served) days.push(`${t('服务天数')} ${l.days_served}`);
  if (l.days_leave) days.push(`${t('请假天数')} ${l.days_leave}`);
  if (l.days_cancelled) days.push(`${t('停课天数')} ${l.days_cancelled}`);
  return h('div', { class: 'explain' }, parts.join('；'), days.length ? h('div', { class: 'small' }, days.join(' · ')) : null);
}

function statementCard(s) {
  const kind = s.kind === 'adjustment' ? t('补差账单') : t('收费账单');
  const lines = (s.lines || []).map((l) => ({
    dataset: { line: l.line_no },
    cells: [
      h('td', {}, h('b', {}, l.name), h('div', { class: 'small' }, `${t('规则')} ${l.rule_id} · ${l.document_no || s.document_no}`)),
      h('td', {}, explain(l)),
      h('td', { class: 'num' }, money(l.net)),
      h('td', { class: 'num' }, (l.subsidies || []).map((x) => h('div', {}, `${payer(x.payer_id)} ${money(x.amount)}`))),
      h('td', { class: 'num' }, (l.waivers || []).map((x) => h('div', {}, `${payer(x.payer_id)} ${money(x.amount)}`))),
      h('td', { class: 'num pay' }, money(l.parent)),
    ],
  }));
  const tot = s.totals || {};
  const sumList = (xs) => (xs || []).map((x) => h('div', {}, `${payer(x.party_id)} ${money(x.amount)}`));
  lines.push({ class: 'total', cells: [
    h('td', {}, t('合计')), h('td', {}, `${t('应收')} ${money(tot.gross)}`),
    h('td', { class: 'num', dataset: { total: 'net' } }, money(tot.net)),
    h('td', { class: 'num', dataset: { total: 'subsidies' } }, sumList(tot.subsidies)),
    h('td', { class: 'num', dataset: { total: 'waivers' } }, sumList(tot.waivers)),
    h('td', { class: 'num pay', dataset: { total: 'parent' } }, money(tot.parent)),
  ] });
  return h('section', { class: 'card statement', dataset: { statementId: s.statement_id } },
    h('h2', {}, `${kind} · ${date(s.period_start)}–${date(s.period_end)}`),
    h('p', { class: 'small' }, `${t('文号')} ${s.document_no} · ${s.statement_id} · ${dateTime(s.issued_at)}`),
    table(['收费项目', '内容', '净额', '财政补助', '减免', '家长应付'].map(t), lines, { class: 'lines stack' }));
}

const channels = { PAYMENT_CHANNEL_WECHAT: '微信', PAYMENT_CHANNEL_ALIPAY: '支付宝', PAYMENT_CHANNEL_CASH: '现金', PAYMENT_CHANNEL_BANK: '银行转账' };

function paymentsCard(pays, bal, term) {
  const body = [];
  if (pays instanceof Error) body.push(errorBox(pays));
  else {
    const rows = (pays.payments || []).filter((p) => !p.term_id || p.term_id === term.term_id).map((p) => [
      dateTime(p.paid_at), lang() === 'en' ? p.channel.replace('PAYMENT_CHANNEL_', '') : (channels[p.channel] || p.channel),
      h('span', { class: 'num' }, money(p.amount)), p.refunded && p.refunded.amount !== '0.00' ? `${t('已退')} ${money(p.refunded)}` : '']);
    body.push(rows.length ? table(['日期', '渠道', '金额', '备注'].map(t), rows, { class: 'stack' }) : h('p', {}, t('暂无记录')));
  }
  if (bal instanceof Error) body.push(errorBox(bal));
  else for (const b of bal.balances || []) {
    body.push(h('dl', { class: 'balance' },
      h('dt', {}, t('应缴')), h('dd', {}, money(b.charged)),
      h('dt', {}, t('已缴')), h('dd', {}, money(b.paid)),
      h('dt', {}, t('已退')), h('dd', {}, money(b.refunded)),
      h('dt', {}, t('余额')), h('dd', { dataset: { total: 'balance' } }, money(b.balance)),
      b.due_date ? [h('dt', {}, t('缴费截止')), h('dd', {}, date(b.due_date))] : null));
  }
  return section(t('缴费与退款'), ...body);
}

// scheduleCard: parents may not list fee schedules, so the published
// schedule (收费公示) shown is the one their statements were billed under:
// each rule with its name, unit, rate and document number.
function scheduleCard(sts) {
  const seen = new Map();
  for (const s of sts) for (const l of s.lines || []) {
    const k = `${l.rule_id}|${l.unit_rate}`;
    if (!seen.has(k)) seen.set(k, [l.name, `${money(l.unit_rate)} / ${unit(l.unit)}`, l.rule_id, l.document_no || s.document_no]);
  }
  const s0 = sts[0];
  return section(t('收费公示'),
    h('p', { class: 'small' }, `${t('学校收费公示（来自本学期账单所依据的收费标准）')} · ${s0.schedule_id} v${s0.schedule_version}`),
    table(['收费项目', '单价', '规则', '文号'].map(t), [...seen.values()]));
}
