//! Lesson Markdown: rendering to sanitised HTML for phones, and listing links and images for
//! the checker.
//!
//! pulldown-cmark passes raw HTML through, so everything is cleaned by ammonia afterwards: no
//! scripts, event handlers, `javascript:` URLs, iframes, SVG or MathML. Images are lazy-loaded
//! and scale to the screen.

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
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
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
