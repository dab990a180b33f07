//! User-facing text in Simplified Chinese (the default) and English. Every text is a field of
//! [`Texts`], so a missing translation is a compile error.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "qihang_lang";

impl Lang {
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh-CN" | "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The BCP 47 tag used in `lang=""` and in the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

pub struct Texts {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub nav_home: &'static str,
    pub nav_register: &'static str,
    pub nav_login: &'static str,
    pub nav_account: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub home_target: &'static str,
    pub tier_basic: &'static str,
    pub tier_basic_desc: &'static str,
    pub tier_advanced: &'static str,
    pub tier_advanced_desc: &'static str,
    pub tier_expert: &'static str,
    pub tier_expert_desc: &'static str,
    pub home_start: &'static str,
    pub home_welcome_back: &'static str,
    pub register_title: &'static str,
    pub field_name: &'static str,
    pub field_phone: &'static str,
    pub field_phone_hint: &'static str,
    pub field_email: &'static str,
    pub field_email_hint: &'static str,
    pub field_password: &'static str,
    pub field_password_hint: &'static str,
    pub field_new_password: &'static str,
    pub field_gender: &'static str,
    pub gender_female: &'static str,
    pub gender_male: &'static str,
    pub field_org: &'static str,
    pub field_org_code: &'static str,
    pub field_org_code_hint: &'static str,
    pub consent_label: &'static str,
    pub privacy_link: &'static str,
    pub read_privacy: &'static str,
    pub register_submit: &'static str,
    pub have_account: &'static str,
    pub login_title: &'static str,
    pub field_login: &'static str,
    pub login_submit: &'static str,
    pub no_account: &'static str,
    pub forgot_password: &'static str,
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub forgot_submit: &'static str,
    pub forgot_sent: &'static str,
    pub reset_title: &'static str,
    pub reset_submit: &'static str,
    pub reset_done: &'static str,
    pub account_title: &'static str,
    pub account_org: &'static str,
    pub account_roles: &'static str,
    pub role_learner: &'static str,
    pub role_trainer: &'static str,
    pub role_admin: &'static str,
    pub logout: &'static str,
    pub show_password: &'static str,
    pub hide_password: &'static str,
    pub privacy_title: &'static str,
    pub privacy_body: &'static [&'static str],
    pub not_found: &'static str,
    pub language: &'static str,
    pub optional: &'static str,
    pub nav_packs: &'static str,
    pub packs_title: &'static str,
    pub packs_intro: &'static str,
    pub pack_file: &'static str,
    pub upload_submit: &'static str,
    pub my_uploads: &'static str,
    pub no_uploads: &'static str,
    pub status_checked: &'static str,
    pub status_rejected: &'static str,
    pub status_published: &'static str,
    pub problems_title: &'static str,
    pub preview_title: &'static str,
    pub questions_count: &'static str,
    pub publish_submit: &'static str,
    pub publish_to: &'static str,
    pub published_ok: &'static str,
    pub nav_courses: &'static str,
    pub catalogue_title: &'static str,
    pub search_label: &'static str,
    pub search_submit: &'static str,
    pub mode_online: &'static str,
    pub mode_offline: &'static str,
    pub mode_blended: &'static str,
    pub hours_unit: &'static str,
    pub lessons_unit: &'static str,
    pub enrol: &'static str,
    pub enrolled_ok: &'static str,
    pub continue_learning: &'static str,
    pub completed: &'static str,
    pub prerequisites_title: &'static str,
    pub lessons_title: &'static str,
    pub rules_title: &'static str,
    pub rule_lessons: &'static str,
    pub rule_quiz: &'static str,
    pub rule_attendance: &'static str,
    pub quiz_rules: &'static str,
    pub pass_mark: &'static str,
    pub attempts: &'static str,
    pub unlimited: &'static str,
    pub minutes_unit: &'static str,
    pub mark_read: &'static str,
    pub mark_read_last: &'static str,
    pub read_mark: &'static str,
    pub previous_lesson: &'static str,
    pub next_lesson: &'static str,
    pub back_to_course: &'static str,
    pub large_type: &'static str,
    pub normal_type: &'static str,
    pub my_learning: &'static str,
    pub no_courses: &'static str,
    pub no_enrollments: &'static str,
    pub sign_in_to_enrol: &'static str,
    pub start_quiz: &'static str,
    pub quiz_title: &'static str,
    pub submit_quiz: &'static str,
    pub your_score: &'static str,
    pub quiz_passed: &'static str,
    pub quiz_failed: &'static str,
    pub answer_right: &'static str,
    pub answer_wrong: &'static str,
    pub deadline_label: &'static str,
    pub true_label: &'static str,
    pub right_answer: &'static str,
    pub answers_after_pass: &'static str,
    pub answers_after_last_attempt: &'static str,
    pub answers_never: &'static str,
    pub false_label: &'static str,
    pub nav_learning: &'static str,
    pub place_prefix: &'static str,
    pub place_suffix: &'static str,
    pub certificates_title: &'static str,
    pub attempts_title: &'static str,
    pub enrollments_title: &'static str,
    pub recommended_title: &'static str,
    pub no_certificates: &'static str,
    pub certificate_title: &'static str,
    pub verify_title: &'static str,
    pub cert_valid: &'static str,
    pub cert_revoked: &'static str,
    pub cert_holder: &'static str,
    pub cert_course: &'static str,
    pub cert_hours: &'static str,
    pub cert_tier: &'static str,
    pub cert_issuer: &'static str,
    pub cert_issued_at: &'static str,
    pub cert_serial: &'static str,
    pub cert_reason: &'static str,
    pub download_pdf: &'static str,
    pub download_credential: &'static str,
    pub open_verify: &'static str,
    pub print_hint: &'static str,
    pub verify_not_found: &'static str,
    pub verify_form_label: &'static str,
    pub verify_submit: &'static str,
    pub check_in_title: &'static str,
    pub check_in_label: &'static str,
    pub check_in_submit: &'static str,
    pub checked_in_ok: &'static str,
    pub view_certificate: &'static str,
    pub score_label: &'static str,
    pub in_progress: &'static str,
    pub passed_mark: &'static str,
    pub failed_mark: &'static str,
    pub save_answers: &'static str,
    pub answers_saved: &'static str,
    pub autosaved: &'static str,
    pub autosave_failed: &'static str,
    pub nav_dashboard: &'static str,
    pub dashboard_title: &'static str,
    pub chart_monthly: &'static str,
    pub chart_children: &'static str,
    pub women_trained_unit: &'static str,
    pub pace_needed: &'static str,
    pub pace_recent: &'static str,
    pub projection: &'static str,
    pub reach_on: &'static str,
    pub women_completions: &'static str,
    pub all_learners: &'static str,
    pub trained_definition: &'static str,
    pub targets_mismatch: &'static str,
    pub children_without_target: &'static str,
    pub export_csv: &'static str,
    pub evidence_title: &'static str,
    pub by_child: &'static str,
    pub org_label: &'static str,
    pub target_label: &'static str,
    pub by_tier: &'static str,
    pub by_mode: &'static str,
    pub by_course: &'static str,
    pub target_deadline: &'static str,
    pub export_xlsx: &'static str,
}

pub static ZH: Texts = Texts {
    app_name: "起航",
    tagline: "女职工数字技能培训平台",
    nav_home: "首页",
    nav_register: "注册",
    nav_login: "登录",
    nav_account: "我的账户",
    home_title: "起航 · 数字赋能",
    home_intro: "江苏省总工会“数字赋能起航行动”：线上线下结合，帮助女职工提升数字技能，争做技术能手。",
    home_target: "目标：为 50 万名女职工提供数字赋能培训",
    tier_basic: "基础",
    tier_basic_desc: "智能手机、移动支付安全、反诈、线上办事",
    tier_advanced: "进阶",
    tier_advanced_desc: "办公软件、电子商务与直播、数据素养、生成式 AI",
    tier_expert: "高级",
    tier_expert_desc: "工业互联网与智能制造、数据分析、AI 训练师",
    home_start: "立即注册，开始学习",
    home_welcome_back: "欢迎回来",
    register_title: "注册账户",
    field_name: "姓名",
    field_phone: "手机号码",
    field_phone_hint: "11 位中国大陆手机号码",
    field_email: "电子邮箱",
    field_email_hint: "用于找回密码",
    field_password: "密码",
    field_password_hint: "至少 8 个字符",
    field_new_password: "新密码",
    field_gender: "性别",
    gender_female: "女",
    gender_male: "男",
    field_org: "所属工会",
    field_org_code: "基层工会代码",
    field_org_code_hint: "如果您的单位工会已开通，请填写它的代码（向工会咨询）",
    consent_label: "我已阅读并同意",
    privacy_link: "《个人信息保护告知书》",
    read_privacy: "阅读告知书",
    register_submit: "注册",
    have_account: "已有账户？去登录",
    login_title: "登录",
    field_login: "手机号码或电子邮箱",
    login_submit: "登录",
    no_account: "还没有账户？去注册",
    forgot_password: "忘记密码？",
    forgot_title: "找回密码",
    forgot_intro: "输入注册时的手机号码或电子邮箱。如果账户留有电子邮箱，我们会把重设密码的链接发到该邮箱。",
    forgot_submit: "发送重设链接",
    forgot_sent: "如果该账户存在并留有电子邮箱，重设密码的链接已经发出，请查收邮件。",
    reset_title: "设置新密码",
    reset_submit: "保存新密码",
    reset_done: "新密码已保存，请用新密码登录。",
    account_title: "我的账户",
    account_org: "所属工会",
    account_roles: "角色",
    role_learner: "学员",
    role_trainer: "培训师",
    role_admin: "管理员",
    logout: "退出登录",
    show_password: "显示",
    hide_password: "隐藏",
    privacy_title: "个人信息保护告知书",
    privacy_body: &[
        "起航平台由工会组织运营，用于女职工数字技能培训。我们收集您的姓名、手机号码、性别、所属工会和（可选的）电子邮箱，用于开设账户、记录学习和发放证书，并按工会层级统计培训人数。",
        "您的手机号码只向您本人完整显示，对其他人一律部分隐藏。统计报表只向您所属工会及其上级工会的管理员提供。",
        "我们不会出售您的个人信息。您可以随时联系所属工会查询、更正或删除您的信息。",
    ],
    not_found: "页面不存在",
    language: "语言",
    optional: "（选填）",
    nav_packs: "课程包",
    packs_title: "上传课程包",
    packs_intro: "把课程包文件夹压缩成 zip 上传（最大 50 MB）。系统会逐项检查，通过后可以预览，再发布给本单位及下级工会的学员。",
    pack_file: "课程包（zip 文件）",
    upload_submit: "上传并检查",
    my_uploads: "我上传的课程包",
    no_uploads: "还没有上传过课程包。",
    status_checked: "检查通过，可以发布",
    status_rejected: "有问题，需要修改后重新上传",
    status_published: "已发布",
    problems_title: "检查发现的问题",
    preview_title: "学员看到的样子",
    questions_count: "题库题目数",
    publish_submit: "发布",
    publish_to: "发布范围",
    published_ok: "已发布，学员现在可以看到这门课。",
    nav_courses: "课程",
    catalogue_title: "课程目录",
    search_label: "搜索课程",
    search_submit: "搜索",
    mode_online: "线上",
    mode_offline: "线下",
    mode_blended: "线上线下结合",
    hours_unit: "学时",
    lessons_unit: "课",
    enrol: "报名学习",
    enrolled_ok: "报名成功，开始学习吧。",
    continue_learning: "继续学习",
    completed: "已完成",
    prerequisites_title: "先修课程",
    lessons_title: "课程内容",
    rules_title: "完成要求",
    rule_lessons: "学完全部课程",
    rule_quiz: "通过测验",
    rule_attendance: "参加线下课堂并签到",
    quiz_rules: "测验：每次抽题",
    pass_mark: "及格分",
    attempts: "可考次数",
    unlimited: "不限",
    minutes_unit: "分钟",
    mark_read: "学完了，下一课",
    mark_read_last: "学完了",
    read_mark: "已学",
    previous_lesson: "上一课",
    next_lesson: "下一课",
    back_to_course: "返回课程",
    large_type: "大字",
    normal_type: "标准字号",
    my_learning: "我的学习",
    no_courses: "没有找到课程。",
    no_enrollments: "还没有报名课程。",
    sign_in_to_enrol: "登录后报名",
    start_quiz: "开始测验",
    quiz_title: "测验",
    submit_quiz: "交卷",
    your_score: "得分",
    quiz_passed: "通过",
    quiz_failed: "未通过",
    answer_right: "答对了",
    answer_wrong: "答错了",
    deadline_label: "交卷截止（UTC）",
    true_label: "对",
    right_answer: "正确答案：",
    answers_after_pass: "为了公平，通过测验后才显示正确答案和解析。请回到课程复习后再试。",
    answers_after_last_attempt: "为了公平，用完全部测验机会后才显示正确答案和解析。",
    answers_never: "这门课不公布测验的正确答案。有疑问请请教培训老师。",
    false_label: "错",
    nav_learning: "我的学习",
    place_prefix: "你是江苏第 ",
    place_suffix: " 位完成数字赋能培训的女职工",
    certificates_title: "我的证书",
    attempts_title: "测验记录",
    enrollments_title: "我的课程",
    recommended_title: "推荐下一门",
    no_certificates: "还没有证书。完成一门课程即可获得。",
    certificate_title: "结业证书",
    verify_title: "证书验证",
    cert_valid: "✓ 有效证书",
    cert_revoked: "✗ 证书已撤销",
    cert_holder: "持证人",
    cert_course: "课程",
    cert_hours: "学时",
    cert_tier: "层级",
    cert_issuer: "颁发单位",
    cert_issued_at: "颁发日期",
    cert_serial: "证书编号",
    cert_reason: "撤销原因",
    download_pdf: "下载 PDF",
    download_credential: "下载数字凭证（JSON）",
    open_verify: "打开验证页面",
    print_hint: "用浏览器的“打印”功能可打印 A4 证书；扫描二维码可验证。",
    verify_not_found: "找不到这个证书编号，请检查后重试。",
    verify_form_label: "证书编号",
    verify_submit: "验证",
    check_in_title: "线下签到",
    check_in_label: "签到码（6 位数字）",
    check_in_submit: "签到",
    checked_in_ok: "签到成功。",
    view_certificate: "查看证书",
    score_label: "得分",
    in_progress: "进行中",
    passed_mark: "通过",
    failed_mark: "未通过",
    save_answers: "保存答案",
    answers_saved: "答案已保存，可以稍后继续。",
    autosaved: "✓ 已自动保存",
    autosave_failed: "自动保存失败，请检查网络后点“保存答案”。",
    nav_dashboard: "数据看板",
    dashboard_title: "数字赋能培训进度",
    chart_monthly: "每月新增培训女职工（柱）与累计（线）",
    chart_children: "下级工会已培训女职工（竖线为目标）",
    women_trained_unit: "名女职工已培训",
    pace_needed: "完成目标每月需培训",
    pace_recent: "近 90 天平均每月",
    projection: "按近期速度，截止日预计",
    reach_on: "预计达标日期",
    women_completions: "女职工完成课程数",
    all_learners: "全部学员（含男职工）：已培训 · 完成 · 学时",
    trained_definition: "统计口径：自 2024 年 8 月 5 日行动启动以来至少完成一门课程（线上、线下或混合）的女职工，每人只计一次，计入其首次完成课程时所在的工会。",
    targets_mismatch: "下级工会目标之和与本级目标不一致：",
    children_without_target: "个下级工会未设目标",
    export_csv: "导出 CSV",
    evidence_title: "培训明细",
    by_child: "按下级工会",
    org_label: "工会",
    target_label: "目标",
    by_tier: "按层级",
    by_mode: "按培训方式",
    by_course: "按课程",
    target_deadline: "目标截止日期",
    export_xlsx: "导出 Excel",
};

pub static EN: Texts = Texts {
    app_name: "Qihang",
    tagline: "Digital skills training for women workers",
    nav_home: "Home",
    nav_register: "Register",
    nav_login: "Log in",
    nav_account: "My account",
    home_title: "Qihang · Digital empowerment",
    home_intro: "The Jiangsu trade unions' digital empowerment drive: online and in-person training that helps women workers gain digital skills and become skilled technicians.",
    home_target: "Target: digital-skills training for 500,000 women workers",
    tier_basic: "Basic",
    tier_basic_desc: "Smartphones, safe mobile payment, fraud prevention, online services",
    tier_advanced: "Intermediate",
    tier_advanced_desc: "Office software, e-commerce and live selling, data literacy, generative AI",
    tier_expert: "Advanced",
    tier_expert_desc: "Industrial internet and smart manufacturing, data analysis, AI training",
    home_start: "Register and start learning",
    home_welcome_back: "Welcome back",
    register_title: "Create an account",
    field_name: "Name",
    field_phone: "Mobile number",
    field_phone_hint: "11-digit mainland China mobile number",
    field_email: "Email",
    field_email_hint: "Used to reset your password",
    field_password: "Password",
    field_password_hint: "At least 8 characters",
    field_new_password: "New password",
    field_gender: "Gender",
    gender_female: "Female",
    gender_male: "Male",
    field_org: "Your union",
    field_org_code: "Workplace union code",
    field_org_code_hint: "If your workplace union is registered, enter its code (ask your union)",
    consent_label: "I have read and accept the",
    privacy_link: "privacy notice",
    read_privacy: "Read the notice",
    register_submit: "Register",
    have_account: "Already registered? Log in",
    login_title: "Log in",
    field_login: "Mobile number or email",
    login_submit: "Log in",
    no_account: "No account yet? Register",
    forgot_password: "Forgot your password?",
    forgot_title: "Reset your password",
    forgot_intro: "Enter the mobile number or email you registered with. If the account has an email address, we send a reset link there.",
    forgot_submit: "Send the reset link",
    forgot_sent: "If the account exists and has an email address, a reset link is on its way.",
    reset_title: "Choose a new password",
    reset_submit: "Save the new password",
    reset_done: "Your new password is saved. Log in with it.",
    account_title: "My account",
    account_org: "Union",
    account_roles: "Roles",
    role_learner: "Learner",
    role_trainer: "Trainer",
    role_admin: "Administrator",
    logout: "Log out",
    show_password: "Show",
    hide_password: "Hide",
    privacy_title: "Privacy notice",
    privacy_body: &[
        "Qihang is run by the trade unions for women workers' digital-skills training. We collect your name, mobile number, gender, union and (optionally) email to run your account, record your learning, issue certificates and count training by union.",
        "Your full mobile number is shown only to you; everyone else sees it partly hidden. Reports go only to administrators of your union and the unions above it.",
        "We never sell your personal information. Ask your union at any time to see, correct or delete it.",
    ],
    not_found: "Page not found",
    language: "Language",
    optional: " (optional)",
    nav_packs: "Course packs",
    packs_title: "Upload a course pack",
    packs_intro: "Zip the course pack folder and upload it (at most 50 MB). It is checked line by line; once clean you can preview it and publish it to learners in your union and the unions below it.",
    pack_file: "Course pack (zip file)",
    upload_submit: "Upload and check",
    my_uploads: "My uploads",
    no_uploads: "No uploads yet.",
    status_checked: "Checked: ready to publish",
    status_rejected: "Has problems: fix them and upload again",
    status_published: "Published",
    problems_title: "Problems found",
    preview_title: "What learners will see",
    questions_count: "Questions in the bank",
    publish_submit: "Publish",
    publish_to: "Published to",
    published_ok: "Published: learners can now see this course.",
    nav_courses: "Courses",
    catalogue_title: "Course catalogue",
    search_label: "Search courses",
    search_submit: "Search",
    mode_online: "Online",
    mode_offline: "In person",
    mode_blended: "Blended",
    hours_unit: "credit hours",
    lessons_unit: "lessons",
    enrol: "Enrol",
    enrolled_ok: "You are enrolled: start learning.",
    continue_learning: "Continue",
    completed: "Completed",
    prerequisites_title: "Prerequisites",
    lessons_title: "Lessons",
    rules_title: "To complete",
    rule_lessons: "Read every lesson",
    rule_quiz: "Pass the quiz",
    rule_attendance: "Attend the in-person class",
    quiz_rules: "Quiz: questions per attempt",
    pass_mark: "pass mark",
    attempts: "attempts",
    unlimited: "unlimited",
    minutes_unit: "min",
    mark_read: "Done, next lesson",
    mark_read_last: "Done",
    read_mark: "read",
    previous_lesson: "Previous",
    next_lesson: "Next",
    back_to_course: "Back to the course",
    large_type: "Large text",
    normal_type: "Normal text",
    my_learning: "My learning",
    no_courses: "No courses found.",
    no_enrollments: "No courses yet.",
    sign_in_to_enrol: "Log in to enrol",
    start_quiz: "Start the quiz",
    quiz_title: "Quiz",
    submit_quiz: "Submit",
    your_score: "Score",
    quiz_passed: "Passed",
    quiz_failed: "Not passed",
    answer_right: "Right",
    answer_wrong: "Wrong",
    deadline_label: "Submit by (UTC)",
    true_label: "True",
    right_answer: "Right answer: ",
    answers_after_pass: "To keep the quiz fair, right answers and explanations are shown once you pass. Review the lessons and try again.",
    answers_after_last_attempt: "To keep the quiz fair, right answers and explanations are shown once all your attempts are used.",
    answers_never: "This course does not publish its quiz answers. Ask your trainer if you have questions.",
    false_label: "False",
    nav_learning: "My learning",
    place_prefix: "You are woman worker no. ",
    place_suffix: " in Jiangsu to complete digital-skills training",
    certificates_title: "My certificates",
    attempts_title: "Quiz attempts",
    enrollments_title: "My courses",
    recommended_title: "Recommended next",
    no_certificates: "No certificates yet. Complete a course to earn one.",
    certificate_title: "Certificate of completion",
    verify_title: "Certificate verification",
    cert_valid: "✓ Valid certificate",
    cert_revoked: "✗ This certificate was revoked",
    cert_holder: "Holder",
    cert_course: "Course",
    cert_hours: "Hours",
    cert_tier: "Tier",
    cert_issuer: "Issued by",
    cert_issued_at: "Issued on",
    cert_serial: "Serial",
    cert_reason: "Reason",
    download_pdf: "Download PDF",
    download_credential: "Download the digital credential (JSON)",
    open_verify: "Open the verification page",
    print_hint: "Print this page on A4 with the browser's Print; the QR code opens the verification page.",
    verify_not_found: "No certificate has this serial; check it and try again.",
    verify_form_label: "Certificate serial",
    verify_submit: "Verify",
    check_in_title: "Class check-in",
    check_in_label: "Check-in code (6 digits)",
    check_in_submit: "Check in",
    checked_in_ok: "Checked in.",
    view_certificate: "View certificate",
    score_label: "Score",
    in_progress: "In progress",
    passed_mark: "passed",
    failed_mark: "not passed",
    save_answers: "Save answers",
    answers_saved: "Answers saved; you can come back later.",
    autosaved: "✓ Saved",
    autosave_failed: "Could not save; check the connection and press Save answers.",
    nav_dashboard: "Dashboard",
    dashboard_title: "Digital-skills drive progress",
    chart_monthly: "Women newly trained per month (bars) and in total (line)",
    chart_children: "Women trained by each union below (tick: target)",
    women_trained_unit: "women trained",
    pace_needed: "Needed per month to reach the target",
    pace_recent: "Per month over the last 90 days",
    projection: "Projected at the deadline",
    reach_on: "target reached on",
    women_completions: "Courses completed by women",
    all_learners: "All learners (incl. men): trained · completions · hours",
    trained_definition: "Counting rule: a woman is trained once she completes at least one course (online, in person or blended) since the drive began on 2024-08-05. She counts once, for the union she belonged to at her first completion.",
    targets_mismatch: "The targets of the unions below do not add up:",
    children_without_target: "unions below without a target",
    export_csv: "Export CSV",
    evidence_title: "Learners behind the figures",
    by_child: "By union",
    org_label: "Union",
    target_label: "Target",
    by_tier: "By tier",
    by_mode: "By mode",
    by_course: "By course",
    target_deadline: "Target date",
    export_xlsx: "Export XLSX",
};

/// The message shown for an error code from the service layer, in the page's language.
pub fn error_message(lang: Lang, code: &str, field: Option<&str>) -> &'static str {
    let zh = lang == Lang::Zh;
    match (code, field) {
        ("invalid", Some("phone")) => {
            if zh {
                "请输入以 1 开头的 11 位中国大陆手机号码。"
            } else {
                "Enter an 11-digit mainland China mobile number starting with 1."
            }
        }
        ("invalid", Some("name")) => {
            if zh {
                "请输入 1 至 50 个字的姓名，不要包含不可见字符。"
            } else {
                "Enter a name of 1 to 50 characters without invisible characters."
            }
        }
        ("invalid", Some("email")) => {
            if zh {
                "电子邮箱格式不正确。"
            } else {
                "That email address is not valid."
            }
        }
        ("invalid", Some("password")) => {
            if zh {
                "密码至少需要 8 个字符（最多 128 个）。"
            } else {
                "The password needs 8 to 128 characters."
            }
        }
        ("invalid", Some("gender")) => {
            if zh {
                "请选择性别。"
            } else {
                "Choose a gender."
            }
        }
        ("invalid", Some("page")) => {
            if zh {
                "页码应为 1 至 100000 之间的整数。"
            } else {
                "A page number is a whole number from 1 to 100000."
            }
        }
        ("invalid", Some("code")) => {
            if zh {
                "工会代码应以上级工会代码加“-”开头，只用小写字母、数字和“-”。"
            } else {
                "A union code starts with its parent's code and a hyphen, using a-z, 0-9 and '-'."
            }
        }
        ("invalid", Some("consent")) => {
            if zh {
                "注册前请阅读并同意个人信息保护告知书。"
            } else {
                "Please read and accept the privacy notice to register."
            }
        }
        ("invalid", Some(_)) | ("unknown_org", _) => {
            if zh {
                "找不到这个工会，请检查所属工会或工会代码。"
            } else {
                "No union has that code; check your union or the code."
            }
        }
        ("conflict", Some("phone")) => {
            if zh {
                "这个手机号码已经注册，请直接登录。"
            } else {
                "This mobile number is already registered; log in instead."
            }
        }
        ("conflict", Some("email")) => {
            if zh {
                "这个电子邮箱已经被使用。"
            } else {
                "This email address is already in use."
            }
        }
        ("bad_credentials", _) => {
            if zh {
                "手机号码/邮箱或密码不正确。"
            } else {
                "Wrong mobile number/email or password."
            }
        }
        ("too_many_attempts", _) => {
            if zh {
                "登录失败次数过多，请 15 分钟后再试。"
            } else {
                "Too many failed attempts; try again in 15 minutes."
            }
        }
        ("token_invalid", _) => {
            if zh {
                "这个链接无效或已经用过，请重新申请。"
            } else {
                "This link is not valid or was already used; ask for a new one."
            }
        }
        ("token_expired", _) => {
            if zh {
                "这个链接已经过期，请重新申请。"
            } else {
                "This link has expired; ask for a new one."
            }
        }
        ("unauthenticated", _) => {
            if zh {
                "请先登录。"
            } else {
                "Please log in first."
            }
        }
        ("bad_upload", _) => {
            if zh {
                "这个文件不能作为课程包接收："
            } else {
                "This file cannot be accepted as a course pack:"
            }
        }
        ("payload_too_large", _) => {
            if zh {
                "文件太大：zip 最大 50 MB，解压后最大 200 MB。"
            } else {
                "Too large: at most 50 MB zipped and 200 MB unpacked."
            }
        }
        ("invalid_pack", _) => {
            if zh {
                "课程包还有问题，修改后重新上传。"
            } else {
                "The pack still has problems; fix them and upload again."
            }
        }
        ("needs_new_version", _) => {
            if zh {
                "这个版本号已经发布过不同的内容，请在 course.toml 里提高 version。"
            } else {
                "This version was already published with other content; raise version in course.toml."
            }
        }
        ("prerequisites_missing", _) => {
            if zh {
                "请先完成先修课程："
            } else {
                "Complete the prerequisites first:"
            }
        }
        ("not_enrolled", _) => {
            if zh {
                "请先报名这门课程。"
            } else {
                "Enrol in the course first."
            }
        }
        ("no_attempts_left", _) => {
            if zh {
                "测验次数已经用完。"
            } else {
                "No attempts left."
            }
        }
        ("deadline_passed", _) => {
            if zh {
                "时间到了，按时间内保存的答案评分。"
            } else {
                "Time is up: graded on the answers saved in time."
            }
        }
        ("rate_limited", _) => {
            if zh {
                "尝试次数过多，请 15 分钟后再试。"
            } else {
                "Too many tries; try again in 15 minutes."
            }
        }
        ("check_in_code", _) => {
            if zh {
                "签到码不正确，或这门课现在没有正在进行的线下课。"
            } else {
                "That check-in code is wrong, or no class of this course is open now."
            }
        }
        ("cannot_print", _) => {
            if zh {
                "PDF 字体无法显示姓名中的个别生僻字，请使用证书网页打印，或联系管理员。"
            } else {
                "The PDF font cannot show a rare character of the name; print the certificate page instead, or ask an administrator."
            }
        }
        ("course_owned", _) => {
            if zh {
                "这个课程编号已属于别的工会或内置课程，只有它的培训师和管理员能发布新版本。请在 course.toml 里换一个课程编号（id）。"
            } else {
                "This course id belongs to another union or to a bundled course; only its own trainers and administrators can publish new versions. Give the pack another id in course.toml."
            }
        }
        ("weak_password", _) => {
            if zh {
                "这个密码太容易被猜到（常见密码、同一个字重复，或包含手机号、姓名），请换一个。"
            } else {
                "That password is too easy to guess (a common password, one character repeated, or it contains your phone number or name). Choose another."
            }
        }
        ("bad_request", _) => {
            if zh {
                "提交的内容不完整或格式不对，请返回重新填写。"
            } else {
                "What was sent is incomplete or malformed; go back and fill in the form again."
            }
        }
        ("already_revoked", _) => {
            if zh {
                "这张证书已经撤销。"
            } else {
                "This certificate is already revoked."
            }
        }
        ("not_found", _) => {
            if zh {
                "找不到这个内容。"
            } else {
                "Not found."
            }
        }
        ("forbidden", _) => {
            if zh {
                "您没有权限进行此操作。"
            } else {
                "You are not allowed to do this."
            }
        }
        _ => {
            if zh {
                "出了点问题，请稍后再试。"
            } else {
                "Something went wrong; please try again."
            }
        }
    }
}

impl Texts {
    /// 线上 / 线下 / 线上线下结合 for a course mode.
    pub fn mode(&self, mode: &str) -> &'static str {
        match mode {
            "offline" => self.mode_offline,
            "blended" => self.mode_blended,
            _ => self.mode_online,
        }
    }

    /// 基础 / 进阶 / 高级 for a tier number.
    pub fn tier(&self, tier: i32) -> &'static str {
        match tier {
            1 => self.tier_basic,
            2 => self.tier_advanced,
            _ => self.tier_expert,
        }
    }
}
