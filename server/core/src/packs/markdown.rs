//! Lesson Markdown: rendering to sanitised HTML for phones, and listing links and images for
//! the checker.
//!
//! pulldown-cmark passes raw HTML through, so everything is cleaned by ammonia afterwards: no
//! scripts, event handlers, `javascript:` URLs, iframes, SVG or MathML. Images are lazy-loaded
//! and scale to the screen. Lessons leak nothing to other sites: images, audio and video load
//! only from this server's paths (the pack's media), and links are https, mailto or tel only.

use pulldown_cmark::{Event, Options, Parser, Tag};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Link,
    Image,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub kind: LinkKind,
    pub target: String,
    /// Byte offset in the Markdown, for line numbers.
    pub offset: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Every link and image in the Markdown, in order.
pub fn links(markdown: &str) -> Vec<LinkRef> {
    Parser::new_ext(markdown, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some(LinkRef {
                kind: LinkKind::Link,
                target: dest_url.to_string(),
                offset: range.start,
            }),
            Event::Start(Tag::Image { dest_url, .. }) => Some(LinkRef {
                kind: LinkKind::Image,
                target: dest_url.to_string(),
                offset: range.start,
            }),
            _ => None,
        })
        .collect()
}

/// Addresses that raw HTML in the Markdown would load or link from outside the pack
/// (`src`, `poster`, `srcset`, `href`, `data` values with a scheme or starting `//`), with
/// byte offsets, for the checker. The sanitiser drops them anyway.
pub fn raw_html_targets(markdown: &str) -> Vec<LinkRef> {
    let mut found = Vec::new();
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let (Event::Html(html) | Event::InlineHtml(html)) = event else {
            continue;
        };
        for (name, value) in attributes(&html) {
            let kind = if name == "href" {
                LinkKind::Link
            } else {
                LinkKind::Image
            };
            if matches!(name.as_str(), "src" | "poster" | "srcset" | "href" | "data") {
                found.push(LinkRef {
                    kind,
                    target: value,
                    offset: range.start,
                });
            }
        }
    }
    found
}

/// `name=value` pairs of the tags in an HTML fragment (names lower-cased, quotes removed).
fn attributes(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            i += 1;
            continue;
        }
        let name_end = html[..i].trim_end().len();
        let name_start = html[..name_end]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(0, |p| p + 1);
        let name = html[name_start..name_end].to_ascii_lowercase();
        let mut j = i + 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let (value, next) = match bytes.get(j) {
            Some(q @ (b'"' | b'\'')) => {
                let end = html[j + 1..]
                    .find(char::from(*q))
                    .map_or(html.len(), |e| j + 1 + e);
                (&html[(j + 1).min(end)..end], end + 1)
            }
            _ => {
                let end = html[j..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .map_or(html.len(), |e| j + e);
                (&html[j..end], end)
            }
        };
        out.push((name, value.to_string()));
        i = next.max(i + 1);
    }
    out
}

/// Whether a URL names this server (a path, not `//host`), so loading it leaks nothing.
/// (The value as ammonia hands it over, entities decoded: `/&#9;/host` arrives as `/\t/host`,
/// which browsers read as `//host`, so any space or control character is refused.)
fn is_own_path(value: &str) -> bool {
    value.starts_with('/')
        && !value.starts_with("//")
        && value.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// Renders lesson Markdown to safe HTML. `media_base` replaces `media/` in image and link
/// targets (e.g. `/media/smartphone-basics/`), so files are served from the database.
pub fn render(markdown: &str, media_base: &str) -> String {
    let parser = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: rebase(&dest_url, media_base).into(),
            title,
            id,
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: rebase(&dest_url, media_base).into(),
            title,
            id,
        }),
        other => other,
    });
    let mut raw = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut raw, parser);
    sanitise(&raw)
}

fn rebase(target: &str, media_base: &str) -> String {
    let trimmed = target.trim_start_matches("./").trim_start_matches("../");
    match trimmed.strip_prefix("media/") {
        Some(rest) => format!("{}{}", media_base, rest),
        None => target.to_string(),
    }
}

/// Cleans HTML with an allow-list; lazy-loads images and opens web links safely.
pub fn sanitise(html: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .add_tags([
            "img",
            "figure",
            "figcaption",
            "audio",
            "video",
            "source",
            "mark",
        ])
        .add_tag_attributes("img", ["src", "alt", "title", "width", "height"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("video", ["src", "controls", "poster"])
        .add_tag_attributes("source", ["src", "type"])
        .set_tag_attribute_value("img", "loading", "lazy")
        .set_tag_attribute_value("img", "decoding", "async")
        .url_schemes(["https", "mailto", "tel"].into_iter().collect())
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Media only from this server (the pack's files, rebased to /media/…).
            ("img" | "audio" | "video" | "source", "src") | ("video", "poster") => {
                is_own_path(value).then_some(value.into())
            }
            // No protocol-relative links (`//host` would leave the site over any scheme).
            (_, "href") => {
                let v = value.trim_start();
                (!v.starts_with("//") && !v.starts_with("\\")).then_some(value.into())
            }
            _ => Some(value.into()),
        })
        .link_rel(Some("noopener noreferrer nofollow"));
    builder.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let hostile = "# 标题\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n\
            [点我](javascript:alert(1))\n\n<a href=\"JaVaScRiPt:alert(1)\">x</a>\n\n\
            <iframe src=\"https://evil.example\"></iframe>\n\n<svg onload=alert(1)><circle/></svg>\n\n\
            <p onclick=\"steal()\" style=\"background:url(javascript:x)\">段落</p>\n\n<math><mi>x</mi></math>\n";
        let html = render(hostile, "/media/c/");
        let lower = html.to_lowercase();
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "<svg",
            "onclick",
            "style=",
            "<math",
            "onload",
        ] {
            assert!(!lower.contains(bad), "{bad} survived in {html}");
        }
        assert!(
            html.contains("<h1>标题</h1>") && html.contains("段落"),
            "{html}"
        );
    }

    #[test]
    fn lessons_load_nothing_from_other_sites() {
        let hostile = "<img src=\"https://evil.example/t.png\">\n\n<img src='//evil.example/a.png'>\n\n\
            <video poster=\"https://evil.example/p.png\" src=\"/media/c/v.mp4\" controls></video>\n\n\
            <audio controls><source src=\"https://evil.example/s.mp3\"></audio>\n\n\
            <img src=\"/&#9;/evil.example/tab.png\"> <img src=\"/&#10;/evil.example/nl.png\">\n\n\
            [普通链接](http://evil.example/x) <a href=\"//evil.example\">双斜杠</a>\n\n\
            ![本地](media/ok.png) [安全](https://www.gov.cn)\n";
        let html = render(hostile, "/media/c/");
        assert!(!html.contains("evil.example"), "{html}");
        assert!(html.contains(r#"src="/media/c/ok.png""#), "{html}");
        assert!(html.contains(r#"src="/media/c/v.mp4""#), "{html}");
        assert!(html.contains(r#"href="https://www.gov.cn""#), "{html}");
        let targets: Vec<String> = raw_html_targets(hostile)
            .into_iter()
            .map(|l| l.target)
            .collect();
        assert_eq!(
            targets,
            [
                "https://evil.example/t.png",
                "//evil.example/a.png",
                "https://evil.example/p.png",
                "/media/c/v.mp4",
                "https://evil.example/s.mp3",
                "/&#9;/evil.example/tab.png",
                "/&#10;/evil.example/nl.png",
                "//evil.example"
            ]
        );
    }

    #[test]
    fn images_are_lazy_and_rebased() {
        let html = render(
            "![Wi-Fi 设置](../media/wifi.png)\n\n[官网](https://www.gov.cn)",
            "/media/smartphone-basics/",
        );
        assert!(
            html.contains(r#"src="/media/smartphone-basics/wifi.png""#),
            "{html}"
        );
        assert!(html.contains(r#"loading="lazy""#), "{html}");
        assert!(
            html.contains(r#"rel="noopener noreferrer nofollow""#),
            "{html}"
        );
    }

    #[test]
    fn links_are_listed_with_offsets() {
        let found = links("文字\n\n![图](media/a.png) 和 [链接](https://x.cn)");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, LinkKind::Image);
        assert_eq!(found[0].target, "media/a.png");
        assert_eq!(found[1].kind, LinkKind::Link);
    }
}
