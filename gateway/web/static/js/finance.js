// finance.js: the finance office's pages — fee and pay runs listed and by
// id with status and totals, subsidy and waiver claims per payer (chart and workbook), and the
// printable term-end public statement (收支公示) of a school.
import { h } from './dom.js';
import { t, lang } from './i18n.js';
import { get, post, call } from './api.js';
import { section, table, errorBox, showFieldErrors, clearFieldErrors, field, payer, progress } from './ui.js';
import { money, date, dateTime, iso, parseISO, today, dateQuery } from './fmt.js';
import { terms, currentTerm } from './term.js';
import { barChart } from './chart.js';
import { workbook, download } from './xlsx.js';

const enc = encodeURIComponent;

// schoolYear: 1 September to 31 August around today.
function schoolYear(d = today()) {
  const y = d.month >= 9 ? d.year : d.year - 1;
  return { from: { year: y, month: 9, day: 1 }, to: { year: y + 1, month: 8, day: 31 } };
}

// cents turns a decimal string into whole fen (an integer) for the chart's
// bar lengths only; the figures shown stay the API's strings.
function cents(s) {
  const [i, f = ''] = String(s || '0').replace('-', '').split('.');
  return Number(i) * 100 + Number((f + '00').slice(0, 2));
}

export async function home(_p, query, account) {
  const district = account.district_id;
  const page = h('div', { class: 'page finance wide' }, h('h1', {}, t('财务')));
  page.append(await newRun(district));
  page.append(runLookup(district, query.get('run')));
  page.append(await payRunLookup(district, query.get('school'), query.get('pay_run')));
  const yr = schoolYear();
  const from = parseISO(query.get('from')) || yr.from;
  const to = parseISO(query.get('to')) || yr.to;
  page.append(await claims(district, from, to));
  return page;
}

// newRun starts a fee run for one school and month (or term) and shows
// its progress; the request id is made once per form, so pressing again
// after a lost answer returns the same run instead of billing twice.
async function newRun(district) {
  const schools = (await get(`/v1/districts/${enc(district)}/schools`)).schools || [];
  const school = h('select', { name: 'school_id' }, schools.map((s) => h('option', { value: s.school_id }, s.name)));
  const term = h('select', { name: 'term_id' });
  const kind = h('select', { name: 'period_kind' }, h('option', { value: 'month' }, lang() === 'en' ? 'month' : '按月'), h('option', { value: 'term' }, lang() === 'en' ? 'term' : '按学期'));
  const month = h('input', { name: 'month', placeholder: '2026-10', value: `${today().year}-${String(today().month).padStart(2, '0')}` });
  const out = h('div', { class: 'run-result' });
  let requestId = crypto.randomUUID();
  const loadTerms = async () => {
    const list = await terms(school.value);
    const cur = currentTerm(list);
    term.replaceChildren(...list.map((x) => h('option', { value: x.term_id, selected: cur && x.term_id === cur.term_id }, x.name)));
  };
  school.addEventListener('change', () => { requestId = crypto.randomUUID(); loadTerms(); });
  for (const el of [term, kind, month]) el.addEventListener('change', () => { requestId = crypto.randomUUID(); });
  if (schools.length) await loadTerms();
  const submit = h('button', { type: 'submit', class: 'primary' }, lang() === 'en' ? 'Start fee run' : '生成收费批次');
  const form = h('form', { class: 'new-run', novalidate: true },
    field(t('学校'), school), field(t('学期'), term), field(lang() === 'en' ? 'Period' : '账期', kind), field(t('月份'), month), submit, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    submit.disabled = true;
    const p = progress(lang() === 'en' ? 'Computing and issuing the statements…' : '正在计算并出具账单…');
    out.replaceChildren(p.el);
    try {
      const body = { request_id: requestId, school_id: school.value, term_id: term.value, period_kind: kind.value };
      if (kind.value === 'month') body.month = month.value.trim();
      const r = (await post(`/v1/districts/${enc(district)}/fee-runs`, body)).run;
      p.done(`${r.run_id} · ${r.status} · ${t('账单数')} ${r.statements} · ${t('家长合计')} ${money(r.parent_total)}`);
      out.dataset.runId = r.run_id;
      requestId = crypto.randomUUID();
    } catch (err) {
      p.done('');
      showFieldErrors(form, err);
    }
    submit.disabled = false;
  });
  return section(lang() === 'en' ? 'New fee run' : '新建收费批次', form);
}

function runLookup(district, initial) {
  const input = h('input', { name: 'run_id', value: initial || '', placeholder: 'run-…' });
  const out = h('div', { class: 'run' });
  const form = h('form', { class: 'run-form', novalidate: true }, field(t('批次号'), input), h('button', { type: 'submit' }, t('查询')), out);
  const show = async () => {
    clearFieldErrors(form);
    out.replaceChildren();
    if (!input.value.trim()) return;
    try {
      const r = (await get(`/v1/districts/${enc(district)}/fee-runs/${enc(input.value.trim())}`)).run;
      out.append(table(['批次号', '状态', '账期', '账单数', '家长合计', '时间'].map(t), [[r.run_id, r.status,
        `${date(r.period_start)}–${date(r.period_end)}`, `${r.statements}（+${r.adjustments} / =${r.unchanged}）`,
        h('span', { class: 'num' }, money(r.parent_total)), dateTime(r.create_time)]]));
    } catch (err) {
      if (err.status === 404) err.violations = [{ field: 'run_id', text: lang() === 'en' ? 'No such run in your district' : '本区没有这个批次' }];
      showFieldErrors(form, err);
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); show(); });
  if (initial) show();
  // The district's recent runs (newest first); a run id opens it above.
  const recent = h('div', { class: 'run-list' });
  (async () => {
    try {
      const rs = (await get(`/v1/districts/${enc(district)}/fee-runs`)).runs || [];
      recent.replaceChildren(rs.length ? table(['批次号', '学校', '状态', '账期', '账单数', '家长合计', '时间'].map(t), rs.map((r) => [
        h('button', { type: 'button', class: 'link', dataset: { runId: r.run_id }, onclick: () => { input.value = r.run_id; show(); } }, r.run_id),
        r.school_id, r.status, `${date(r.period_start)}–${date(r.period_end)}`, `${r.statements}（+${r.adjustments} / =${r.unchanged}）`,
        h('span', { class: 'num' }, money(r.parent_total)), dateTime(r.create_time)]), { class: 'fee-run-list' }) : h('p', { class: 'muted' }, t('暂无批次')));
    } catch (err) {
      recent.replaceChildren(errorBox(err));
    }
  })();
  return section(t('收费批次'), form, h('h3', {}, t('最近批次')), recent);
}

async function claims(district, from, to) {
  const fromIn = h('input', { type: 'date', name: 'from', value: iso(from) });
  const toIn = h('input', { type: 'date', name: 'to', value: iso(to) });
  const form = h('form', { class: 'claims-form no-print', novalidate: true }, field(t('起'), fromIn), field(t('止'), toIn), h('button', { type: 'submit' }, t('查询')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ from: fromIn.value, to: toIn.value });
    location.hash = `#/finance?${q}`;
  });
  const card = section(t('补助与减免申领'), form);
  let c;
  try {
    c = await get(`/v1/districts/${enc(district)}/claims?${dateQuery('from', from)}&${dateQuery('to', to)}`);
  } catch (err) {
    showFieldErrors(form, err);
    return card;
  }
  const rows = [
    ...(c.subsidies || []).map((x) => [t('补助'), payer(x.party_id), x.party_id, money(x.amount)]),
    ...(c.waivers || []).map((x) => [t('减免'), payer(x.party_id), x.party_id, money(x.amount)]),
    [t('家长'), t('家长合计'), 'parent', money(c.parent)],
  ];
  card.append(h('p', {}, `${date(from)}–${date(to)} · ${t('账单数')} ${c.statements}`));
  card.append(table(['内容', '付款方', 'ID', '金额'].map(t), rows, { class: 'claims' }));
  card.append(barChart([...(c.subsidies || []), ...(c.waivers || [])].map((x) => ({ label: payer(x.party_id), value: cents(x.amount.amount), text: money(x.amount) }))
    .concat([{ label: t('家长'), value: cents(c.parent && c.parent.amount), text: money(c.parent), class: 'bar alt' }])));
  const btn = h('button', { type: 'button', class: 'primary', dataset: { action: 'claims-xlsx' } }, t('下载申领表'));
  const status = h('div');
  btn.addEventListener('click', () => {
    const p = progress();
    status.replaceChildren(p.el);
    const sheet = [['类别 Kind', '付款方 Payer', 'ID', '金额 Amount (元)'],
      ...(c.subsidies || []).map((x) => ['补助 subsidy', payer(x.party_id), x.party_id, { decimal: x.amount.amount }]),
      ...(c.waivers || []).map((x) => ['减免 waiver', payer(x.party_id), x.party_id, { decimal: x.amount.amount }]),
      ['家长 parents', '家长合计', 'parent', { decimal: (c.parent && c.parent.amount) || '0' }],
      [], ['区 District', district], ['起 From', iso(from)], ['止 To', iso(to)], ['账单数 Statements', { decimal: String(c.statements) }]];
    download(workbook([{ name: '申领 Claims', rows: sheet }]), `claims-${district}-${iso(from)}-${iso(to)}.xlsx`);
    p.done(`${t('下载申领表')} ✓`);
  });
  // The server's own claims file (billing's claims:export, .xlsx), beside
  // the workbook written here from the figures shown.
  const server = h('button', { type: 'button', dataset: { action: 'claims-export' } }, lang() === 'en' ? 'Export from the server (.xlsx)' : '服务器导出申领表（.xlsx）');
  server.addEventListener('click', async () => {
    const p = progress(lang() === 'en' ? 'Exporting…' : '正在导出…');
    status.replaceChildren(p.el);
    try {
      const blob = await call('GET', `/v1/districts/${enc(district)}/claims:export?${dateQuery('from', from)}&${dateQuery('to', to)}&format=xlsx`, undefined, { blob: true });
      download(blob, `申领-${district}-${iso(from)}-${iso(to)}.xlsx`);
      p.done(`${lang() === 'en' ? 'Downloaded' : '已下载'} ✓`);
    } catch (err) { p.done(''); status.append(errorBox(err)); }
  });
  card.append(h('div', { class: 'no-print' }, btn, ' ', server, status));
  return card;
}

const treatments = { outside_performance_total: ['不纳入绩效工资总量', 'outside the performance-pay total'], separate_increment: ['单列增量', 'separate increment'], labour_fee: ['劳务费', 'labour fee'] };
const treatment = (x) => (treatments[x] ? treatments[x][lang() === 'en' ? 1 : 0] : x);

// payRunLookup: a school's pay run (课酬批次) by id — its month and mode,
// statements issued, earned, paid and held back by the caps, paid by
// treatment tag and the hour records left for a later run.
async function payRunLookup(district, initialSchool, initialRun) {
  const schools = (await get(`/v1/districts/${enc(district)}/schools`)).schools || [];
  const school = h('select', { name: 'school_id' }, schools.map((s) => h('option', { value: s.school_id, selected: s.school_id === initialSchool }, s.name)));
  const input = h('input', { name: 'run_id', value: initialRun || '', placeholder: 'pay-…' });
  const out = h('div', { class: 'pay-run' });
  const form = h('form', { class: 'pay-run-form', novalidate: true }, field(t('学校'), school), field(t('批次号'), input), h('button', { type: 'submit' }, t('查询')), out);
  const show = async () => {
    clearFieldErrors(form);
    out.replaceChildren();
    if (!input.value.trim()) return;
    try {
      const r = (await get(`/v1/schools/${enc(school.value)}/pay-runs/${enc(input.value.trim())}`)).run;
      out.dataset.runId = r.run_id;
      out.append(table(['批次号', '月份', '方式', '工资单数', '应发', '实发', '暂缓', '待后续'].map(t), [[r.run_id, `${r.year}年${r.month}月`,
        r.mode === 'adjustments' ? t('补差') : t('全量'), `${r.statement_count}（+${r.adjustment_count} / =${r.unchanged_count}）`,
        h('span', { class: 'num', dataset: { total: 'earned' } }, money(r.earned)), h('span', { class: 'num', dataset: { total: 'paid' } }, money(r.paid)),
        h('span', { class: 'num', dataset: { total: 'held-back' } }, money(r.held_back)), String((r.left_pending || []).length)]], { class: 'pay-run-summary' }));
      if ((r.by_treatment || []).length) out.append(table(['列支', '金额'].map(t), r.by_treatment.map((x) => [treatment(x.treatment), h('span', { class: 'num' }, money(x.amount))])));
    } catch (err) {
      if (err.status === 404) err.violations = [{ field: 'run_id', text: lang() === 'en' ? 'No such pay run at this school' : '该校没有这个课酬批次' }];
      showFieldErrors(form, err);
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); show(); });
  if (initialRun) await show();
  // The chosen school's pay runs (newest first); a run id opens it above.
  const recent = h('div', { class: 'run-list' });
  const list = async () => {
    if (!school.value) return;
    try {
      const rs = (await get(`/v1/schools/${enc(school.value)}/pay-runs`)).runs || [];
      recent.replaceChildren(rs.length ? table(['批次号', '月份', '方式', '工资单数', '应发', '实发', '暂缓'].map(t), rs.map((r) => [
        h('button', { type: 'button', class: 'link', dataset: { runId: r.run_id }, onclick: () => { input.value = r.run_id; show(); } }, r.run_id),
        `${r.year}年${r.month}月`, r.mode === 'adjustments' ? t('补差') : t('全量'), `${r.statement_count}（+${r.adjustment_count} / =${r.unchanged_count}）`,
        h('span', { class: 'num' }, money(r.earned)), h('span', { class: 'num' }, money(r.paid)), h('span', { class: 'num' }, money(r.held_back))]),
        { class: 'pay-run-list' }) : h('p', { class: 'muted' }, t('暂无批次')));
    } catch (err) {
      recent.replaceChildren(errorBox(err));
    }
  };
  school.addEventListener('change', list);
  await list();
  return section(t('课酬批次'), form, h('h3', {}, t('最近批次')), recent);
}

// publicStatement: the term-end statement of a school's after-school money
// (收支公示) — what was charged and to whom, what came in, what is owed —
// laid out for paper (the print stylesheet drops the navigation).
export async function publicStatement(_p, query, account) {
  const district = account.district_id;
  const schools = (await get(`/v1/districts/${enc(district)}/schools`)).schools || [];
  const schoolId = query.get('school') || (schools.find((s) => s.school_id.endsWith('primary')) || schools[0] || {}).school_id;
  const page = h('div', { class: 'page finance public-statement' });
  const picker = h('select', { name: 'school', class: 'no-print', onchange: (e) => { location.hash = `#/finance/public?school=${enc(e.target.value)}`; } },
    schools.map((s) => h('option', { value: s.school_id, selected: s.school_id === schoolId }, s.name)));
  page.append(h('div', { class: 'no-print' }, field(t('学校'), picker), h('button', { type: 'button', onclick: () => window.print() }, t('打印'))));
  if (!schoolId) return page;
  const list = await terms(schoolId);
  const term = list.find((x) => x.term_id === query.get('term')) || currentTerm(list);
  if (!term) { page.append(h('p', {}, t('暂无记录'))); return page; }
  const sp = `/v1/schools/${enc(schoolId)}`;
  let bal, claim, fam, tb;
  try {
    [bal, claim, fam, tb] = await Promise.all([get(`${sp}/balance`),
      get(`/v1/districts/${enc(district)}/claims?school_id=${enc(schoolId)}&${dateQuery('from', term.start_date)}&${dateQuery('to', term.end_date)}`),
      get(`${sp}/balances?term_id=${enc(term.term_id)}&page_size=1`), get(`${sp}/ledger/trial-balance`)]);
  } catch (err) {
    page.append(errorBox(err));
    return page;
  }
  const b = bal.balance, st = fam.school_total || {};
  const income = [
    [t('家长'), money(claim.parent)],
    ...(claim.subsidies || []).map((x) => [`${t('财政补助')} · ${payer(x.party_id)}`, money(x.amount)]),
    ...(claim.waivers || []).map((x) => [`${t('减免')} · ${payer(x.party_id)}`, money(x.amount)]),
  ];
  page.append(h('article', { class: 'print-sheet' },
    h('h1', {}, `${b.school_name} 课后服务收支公示`),
    h('p', { class: 'subtitle' }, `${term.name}（${date(term.start_date)}–${date(term.end_date)}） · ${lang() === 'en' ? 'Public statement' : ''}`),
    h('h2', {}, '一、收费情况（按付款方）'),
    table(['付款方', '金额'].map(t), [...income, { class: 'total', cells: [t('合计'), h('td', { class: 'num', dataset: { total: 'charged' } }, money(b.charged))] }], { class: 'public' }),
    h('h2', {}, '二、家长缴费'),
    table(['内容', '金额'].map(t), [
      [t('应缴'), money(st.charged)], [t('已缴'), money(st.paid)], [t('已退'), money(st.refunded)],
      { class: 'total', cells: [t('欠费'), h('td', { class: 'num', dataset: { total: 'family-balance' } }, money(st.balance))] }]),
    h('h2', {}, '三、学校账目'),
    table(['内容', '金额'].map(t), [
      ['收入（应收）', money(b.charged)], ['已收', h('span', { dataset: { total: 'received' } }, money(b.received))],
      { class: 'total', cells: ['未收', h('td', { class: 'num', dataset: { total: 'outstanding' } }, money(b.outstanding))] },
      ...(tb.classes || []).map((c) => [`科目 ${c.account}`, money(c.balance)])]),
    h('p', { class: 'small' }, `${t('账单数')} ${claim.statements} · 试算平衡 ${tb.balanced ? '✓' : '✗'} · 打印时间 ${dateTime(new Date().toISOString())}`),
    h('div', { class: 'signatures' }, h('span', {}, '学校（盖章）'), h('span', {}, '经办人'), h('span', {}, '日期'))));
  return page;
}
