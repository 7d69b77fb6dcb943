// i18n.js: the pages are written in Chinese; this dictionary gives the
// English of each phrase for the switch in the top bar. A phrase without an
// entry stays Chinese, so a missing translation never hides text.
const en = {
  '课后服务': 'After-school service',
  '登录': 'Sign in', '退出': 'Sign out', '用户名或手机号': 'User name or phone', '密码': 'Password',
  '加载中…': 'Loading…', '无权访问此页面': 'You may not open this page',
  '此页面属于其他角色，当前账号不能查看。': 'This page belongs to another role; this account cannot see it.',
  '返回首页': 'Back to my page', '未找到': 'Not found',
  '家长': 'Parent', '学校管理员': 'School administrator', '财务': 'Finance office', '教育局': 'Education bureau',
  '教师': 'Teacher', '外聘教师': 'Instructor', '平台运维': 'Operator', '机构': 'Institution',
  '我的孩子': 'My children', '孩子': 'Child', '学校': 'School', '学期': 'Term',
  '本周课表': "This week's timetable", '费用明细': 'Fee statements', '社团报名': 'Club sign-up', '请假': 'Leave',
  '收费公示': 'Published fee schedule', '时段': 'Segment', '时间': 'Time', '内容': 'Service', '备注': 'Note',
  '放假': 'Holiday', '调休上课': 'Working swap day', '无课后服务': 'No after-school service',
  '账单': 'Statement', '账期': 'Period', '文号': 'Document no.', '收费项目': 'Item', '数量': 'Quantity',
  '单价': 'Rate', '应收': 'Gross', '减免调整': 'Adjustments', '净额': 'Net', '财政补助': 'Subsidy',
  '减免': 'Waiver', '家长应付': 'Parent pays', '合计': 'Total', '规则': 'Rule', '课时': 'periods',
  '天': 'days', '服务天数': 'Days served', '请假天数': 'Days on leave', '停课天数': 'Days cancelled',
  '缴费与退款': 'Payments and refunds', '缴费': 'Payment', '退款': 'Refund', '余额': 'Balance',
  '已缴': 'Paid', '已退': 'Refunded', '应缴': 'Charged', '欠费': 'Owed', '缴费截止': 'Due',
  '渠道': 'Channel', '金额': 'Amount', '日期': 'Date', '暂无账单': 'No statements yet',
  '暂无记录': 'Nothing yet', '补差账单': 'Adjustment statement', '收费账单': 'Charge statement',
  '第几志愿': 'Choice', '提交志愿': 'Submit choices', '已提交': 'Submitted', '开始日期': 'First day',
  '结束日期': 'Last day', '原因': 'Reason', '提交请假': 'File leave', '请假已提交': 'Leave filed',
  '周计划': 'Weekly plan', '合规检查': '"5+2" compliance', '人员排班': 'Staffing', '报名审批': 'Enrolment approvals',
  '社团分配': 'Club allocation', '课时审核': 'Hour approvals', '本周': 'This week', '上一周': 'Previous week',
  '下一周': 'Next week', '周次': 'Week of', '班级': 'Class', '社团': 'Club', '教室': 'Room',
  '已取消': 'Cancelled', '违规': 'Violation', '冲突': 'Clash', '合规': 'Compliant', '不合规': 'Not compliant',
  '本周合规': 'This week is compliant', '违规说明': 'Violations explained', '教室冲突': 'Room clash',
  '实际': 'Found', '限值': 'Limit', '未覆盖': 'Uncovered', '已覆盖': 'Covered', '需求': 'Needed',
  '每人课时': 'Periods per person', '公平性': 'Fairness', '姓名': 'Name', '角色': 'Role',
  '审批': 'Approve', '已审批': 'Approved', '待审批': 'Pending', '学生': 'Student', '状态': 'Status',
  '容量': 'Capacity', '人数': 'Members', '年级': 'Grades', '整学期': 'Whole term',
  '收费批次': 'Fee runs', '批次号': 'Run id', '查询': 'Look up', '账单数': 'Statements',
  '补助与减免申领': 'Subsidy and waiver claims', '付款方': 'Payer', '补助': 'Subsidies', '起': 'From', '止': 'To',
  '家长合计': 'Parents total', '下载申领表': 'Download claims workbook', '收支公示': 'Public statement',
  '打印': 'Print', '各校': 'Schools', '全区合计': 'District totals', '学校数': 'Schools',
  '本周合规学校': 'Schools compliant this week', '学段': 'Stage', '小学': 'Primary', '初中': 'Junior middle',
  '九年一贯制': 'Nine-year', '我的一周': 'My week', '工资单': 'Pay statements', '月份': 'Month',
  '应发': 'Earned', '实发': 'Paid', '暂缓': 'Held back', '正在处理…': 'Working…',
  '城市财政': 'City finance', '区财政': 'District finance', '区民政': 'District civil affairs',
  '基础托管': 'Basic care', '兴趣拓展': 'Enrichment', '延时托管': 'Extended care',
  '第': 'Segment ', '段': '', '家长支付占比': 'Parent share', '补助占比': 'Subsidy share',
  '收入': 'Income', '单位': 'Unit', '已发布的收费标准': 'Published fee schedule',
  '学校收费公示（来自本学期账单所依据的收费标准）': 'The fee schedule your statements were billed under',
  '已获分配': 'Allocated', '未获分配': 'None', '第一志愿': '1st choice', '第二志愿': '2nd choice', '第三志愿': '3rd choice',
  '运行': 'Run', '对账': 'Reconciliation', '生成': 'Generate', '进度': 'Progress',
  '老师': 'Teacher', '待安排': 'Not yet assigned', '分钟': 'minutes', '人': 'students', '职责': 'Duty',
  '最近批次': 'Recent runs', '暂无批次': 'No runs yet',
  '课酬批次': 'Pay runs', '方式': 'Mode', '工资单数': 'Statements', '待后续': 'Left for later', '全量': 'full', '列支': 'Treatment',
  '名册导入': 'Roster import', '上传名册': 'Upload a roster', '类型': 'Kind', '文件': 'File', '上传': 'Upload',
  '仅检查，不写入（试导入）': 'Check only, write nothing (dry run)', '行数': 'Rows', '新增': 'New', '修改': 'Changed', '不变': 'Unchanged',
  '错误': 'Rejected', '已写入': 'Written', '未写入': 'Nothing written', '行': 'Row', '列': 'Column',
  '区级对账': 'District reconciliation', '支出': 'Spending', '差异': 'Discrepancies', '已平': 'reconciled', '条数': 'Count', '未平': 'not reconciled',
  '系数': 'Multiplier', '规则 · 文号': 'Rule · document no.', '封顶': 'Cap', '补差': 'Adjustment', '节假日': 'Weekend/holiday',
};

let current = sessionStorage.getItem('kehou.lang') || localStorage.getItem('kehou.lang') || 'zh';

export function lang() { return current; }

export function setLang(l) {
  current = l === 'en' ? 'en' : 'zh';
  localStorage.setItem('kehou.lang', current);
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
}

// t returns the phrase in the current language.
export function t(zh) { return current === 'en' && en[zh] !== undefined ? en[zh] : zh; }
