//! A session's device as she would recognise it ("Android · 微信", "Windows · Edge"), read
//! from the browser's User-Agent when she signs in. Only this short label is kept, never the
//! whole header (which fingerprints a phone far more than she needs to see).

/// The label for a User-Agent header (empty or unknown parts say so).
pub fn device_label(user_agent: &str) -> String {
    let ua = user_agent.to_ascii_lowercase();
    let system = [
        ("harmonyos", "HarmonyOS"),
        ("iphone", "iPhone"),
        ("ipad", "iPad"),
        ("android", "Android"),
        ("windows", "Windows"),
        ("mac os x", "Mac"),
        ("cros", "ChromeOS"),
        ("linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    let browser = [
        ("micromessenger", "微信"),
        ("dingtalk", "钉钉"),
        ("ucbrowser", "UC"),
        ("quark", "夸克"),
        ("huaweibrowser", "华为浏览器"),
        ("miuibrowser", "小米浏览器"),
        ("edg/", "Edge"),
        ("firefox/", "Firefox"),
        ("headlesschrome", "Chrome (headless)"),
        ("chrome/", "Chrome"),
        ("safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "script"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    match (system, browser) {
        (Some(s), Some(b)) => format!("{s} · {b}"),
        (Some(s), None) => s.to_string(),
        (None, Some(b)) => b.to_string(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_phones_and_computers() {
        let wechat = "Mozilla/5.0 (Linux; Android 12; M2006C3MG) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4343 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/6295 MicroMessenger/8.0.28.2240(0x28001C57) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64";
        assert_eq!(device_label(wechat), "Android · 微信");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        assert_eq!(device_label(iphone), "iPhone · Safari");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0";
        assert_eq!(device_label(edge), "Windows · Edge");
        assert_eq!(device_label(""), "");
        assert_eq!(device_label("curl/8.5.0"), "curl");
    }
}
