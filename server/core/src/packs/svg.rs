//! Pictures drawn as SVG, accepted only in a safe subset.
//!
//! Why SVG at all: hand-drawn diagrams and phone screens are a few kilobytes, sharp on every
//! screen and their Chinese labels can be corrected in a text editor — a lesson with its pictures
//! stays light on a weak connection. Why a subset: SVG can carry scripts, styles that load
//! other sites, links and entities. A picture is accepted only if it is well-formed XML whose
//! root is `<svg>` and which holds nothing but basic shapes, text, gradients and markers with
//! presentation attributes: no scripts or `<foreignObject>`, no `style`, no event handlers, no
//! links (`href`), no `url(…)` other than to an id in the same picture, no DOCTYPE or entities.
//! (Served pictures also carry `Content-Security-Policy: default-src 'none'; sandbox`, and
//! lessons show them with `<img>`, where browsers run no script at all.)

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Elements a picture may use.
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "path",
    "text",
    "tspan",
    "title",
    "desc",
    "defs",
    "marker",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "symbol",
];

/// Checks an SVG file's bytes; `Err` says what is not allowed, in English (names and values
/// from the file, no sentence to translate).
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut reader = Reader::from_str(text);
    let mut root_seen = false;
    loop {
        match reader.read_event() {
            Err(e) => {
                return Err(format!(
                    "not well-formed XML at byte {}: {e}",
                    reader.error_position()
                ))
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => {
                check_element(&e, !root_seen)?;
                root_seen = true;
            }
            Ok(Event::DocType(_)) => return Err("a DOCTYPE".into()),
            Ok(Event::PI(_)) => return Err("a processing instruction".into()),
            Ok(Event::CData(_)) => return Err("a CDATA section".into()),
            Ok(Event::GeneralRef(r)) => {
                let name = r.to_string();
                if !matches!(name.as_str(), "amp" | "lt" | "gt" | "quot" | "apos")
                    && !name.starts_with('#')
                {
                    return Err(format!("the entity &{name};"));
                }
            }
            Ok(Event::End(_) | Event::Text(_) | Event::Comment(_) | Event::Decl(_)) => {}
        }
    }
    if root_seen {
        Ok(())
    } else {
        Err("no <svg> element".into())
    }
}

fn check_element(element: &BytesStart<'_>, is_root: bool) -> Result<(), String> {
    let name = element.name().as_ref().to_string();
    if !ELEMENTS.contains(&name.as_str()) {
        return Err(format!("element <{name}>"));
    }
    if is_root && name != "svg" {
        return Err(format!("root element <{name}>, not <svg>"));
    }
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| format!("attribute of <{name}>: {e}"))?;
        let key = attribute.key.as_ref().to_string();
        let value = attribute.value.to_ascii_lowercase();
        let lower = key.to_ascii_lowercase();
        let namespaced = lower.contains(':') && lower != "xml:space" && lower != "xmlns:svg";
        if lower.starts_with("on")
            || lower == "style"
            || lower.ends_with("href")
            || lower == "src"
            || (namespaced && !lower.starts_with("xmlns"))
        {
            return Err(format!("attribute {key} on <{name}>"));
        }
        if lower.starts_with("xmlns") && value != "http://www.w3.org/2000/svg" {
            return Err(format!("namespace {key}=\"{value}\""));
        }
        if value.contains("javascript:") || value.contains("data:") {
            return Err(format!("{key}=\"{value}\" on <{name}>"));
        }
        let mut rest = value.as_str();
        while let Some(at) = rest.find("url(") {
            rest = &rest[at + 4..];
            if !rest.trim_start().starts_with('#') {
                return Err(format!("{key}=\"{value}\": url() to outside the picture"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn a_plain_diagram_is_accepted() {
        let svg = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 200">
  <title>设置 → WLAN</title>
  <defs><marker id="a" markerWidth="6" markerHeight="6"><path d="M0,0 L6,3 L0,6 z"/></marker></defs>
  <rect x="10" y="10" width="340" height="180" rx="16" fill="#fff" stroke="#333"/>
  <line x1="20" y1="100" x2="300" y2="100" stroke="#b5223b" marker-end="url(#a)"/>
  <text x="20" y="40" font-size="16" font-family="sans-serif">打开 &amp; 连接</text>
</svg>"##;
        assert_eq!(check(svg.as_bytes()), Ok(()));
    }

    #[test]
    fn anything_that_can_run_or_load_is_refused() {
        for (svg, says) in [
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
                "<script>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
                "onload",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:red"/></svg>"#,
                "style",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><style>*{}</style></svg>"#,
                "<style>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="x.svg#a"/></svg>"#,
                "namespace",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><a href="https://evil.example"><text>x</text></a></svg>"#,
                "<a>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/x)"/></svg>"#,
                "url()",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>"#,
                "foreignObject",
            ),
            (
                r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>"#,
                "DOCTYPE",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>"#,
                "well-formed",
            ),
            (r#"<html><svg/></html>"#, "<html>"),
            ("", "no <svg>"),
        ] {
            let refused = check(svg.as_bytes()).expect_err(svg);
            assert!(refused.contains(says), "{svg}: {refused}");
        }
    }
}
