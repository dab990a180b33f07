//! Printing certificates: the A4 PDF (Chinese text drawn with an embedded subset of a CJK
//! TrueType font, so it prints the same everywhere) and the QR code that opens the public
//! verification page. Every string is drawn as glyphs: names are data, never template text.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// What a certificate says, already formatted for print.
#[derive(Debug, Clone)]
pub struct CertificateText {
    pub serial: String,
    pub holder: String,
    pub course_title: String,
    pub tier_label: String,
    pub hours: String,
    pub issuer: String,
    pub issued_on: String,
    pub verify_url: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PrintError {
    /// Characters the certificate font has no glyph for; printing them would drop them.
    #[error("the certificate font cannot print {}", chars.iter().collect::<String>())]
    MissingGlyphs { chars: Vec<char> },
    #[error("the certificate font cannot be read: {0}")]
    BadFont(String),
}

/// A4 landscape, in points.
const PAGE_WIDTH: f32 = 842.0;
const PAGE_HEIGHT: f32 = 595.0;
const FONT_NAME: Name<'static> = Name(b"F1");

/// The QR code of `url` as a compact SVG (dark modules as one path), for web pages.
pub fn qr_svg(url: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(url.as_bytes()) else {
        return String::new();
    };
    code.render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build()
}

/// Characters of `texts` that the font has no glyph for (spaces and line breaks aside).
pub fn missing_glyphs(font: &[u8], texts: &[&str]) -> Result<Vec<char>, PrintError> {
    let face = ttf_parser::Face::parse(font, 0).map_err(|e| PrintError::BadFont(e.to_string()))?;
    let mut missing: Vec<char> = texts
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| !c.is_whitespace())
        .filter(|c| face.glyph_index(*c).is_none())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    Ok(missing)
}

/// Text laid out with one font: glyphs are collected as lines are drawn, then subset.
struct Typesetter<'f> {
    face: ttf_parser::Face<'f>,
    /// Original glyph id → the characters it was used for (for copy-paste / search).
    used: BTreeMap<u16, char>,
    remapper: subsetter::GlyphRemapper,
    units_per_em: f32,
}

impl<'f> Typesetter<'f> {
    fn new(font: &'f [u8]) -> Result<Self, PrintError> {
        let face =
            ttf_parser::Face::parse(font, 0).map_err(|e| PrintError::BadFont(e.to_string()))?;
        let units_per_em = f32::from(face.units_per_em());
        Ok(Typesetter {
            face,
            used: BTreeMap::new(),
            remapper: subsetter::GlyphRemapper::new(),
            units_per_em,
        })
    }

    /// Width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .filter_map(|c| self.face.glyph_index(c))
            .map(|g| f32::from(self.face.glyph_hor_advance(g).unwrap_or(0)))
            .sum::<f32>()
            * size
            / self.units_per_em
    }

    /// The show-text bytes for `text`: two-byte CIDs of the subset font.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            if let Some(glyph) = self.face.glyph_index(c) {
                self.used.entry(glyph.0).or_insert(c);
                let cid = self.remapper.remap(glyph.0);
                bytes.extend_from_slice(&cid.to_be_bytes());
            }
        }
        bytes
    }

    fn line(&mut self, content: &mut Content, text: &str, size: f32, x: f32, y: f32) {
        let bytes = self.encode(text);
        content
            .begin_text()
            .set_font(FONT_NAME, size)
            .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        content.show(Str(&bytes));
        content.end_text();
    }

    fn centred(&mut self, content: &mut Content, text: &str, size: f32, y: f32) {
        let x = (PAGE_WIDTH - self.width(text, size)) / 2.0;
        self.line(content, text, size, x, y);
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// The certificate as a one-page A4 (landscape) PDF with the used glyphs of `font` embedded.
/// Refuses, naming them, characters the font cannot draw instead of dropping them.
pub fn render_pdf(font: &[u8], cert: &CertificateText) -> Result<Vec<u8>, PrintError> {
    let missing = missing_glyphs(
        font,
        &[
            &cert.holder,
            &cert.course_title,
            &cert.issuer,
            &cert.tier_label,
        ],
    )?;
    if !missing.is_empty() {
        return Err(PrintError::MissingGlyphs { chars: missing });
    }
    let mut ts = Typesetter::new(font)?;
    let mut content = Content::new();

    // Double frame in the union's red.
    content.set_stroke_rgb(0.72, 0.11, 0.11).set_line_width(3.0);
    content.rect(24.0, 24.0, PAGE_WIDTH - 48.0, PAGE_HEIGHT - 48.0);
    content.stroke();
    content.set_line_width(0.8);
    content.rect(34.0, 34.0, PAGE_WIDTH - 68.0, PAGE_HEIGHT - 68.0);
    content.stroke();

    content.set_fill_rgb(0.72, 0.11, 0.11);
    ts.centred(&mut content, "结业证书", 40.0, 490.0);
    content.set_fill_rgb(0.25, 0.25, 0.25);
    ts.centred(&mut content, "Certificate of Completion", 13.0, 466.0);
    content.set_fill_rgb(0.0, 0.0, 0.0);
    ts.centred(&mut content, &cert.holder, 32.0, 400.0);
    let course_line = format!("完成了「{}」课程的学习，成绩合格。", cert.course_title);
    let size = if ts.width(&course_line, 18.0) > PAGE_WIDTH - 140.0 {
        13.0
    } else {
        18.0
    };
    ts.centred(&mut content, &course_line, size, 350.0);
    let detail = format!("{} · {} 学时", cert.tier_label, cert.hours);
    ts.centred(&mut content, &detail, 15.0, 320.0);
    ts.centred(&mut content, "特发此证。", 15.0, 292.0);

    ts.line(
        &mut content,
        &format!("颁发单位：{}", cert.issuer),
        13.0,
        80.0,
        170.0,
    );
    ts.line(
        &mut content,
        &format!("颁发日期：{}", cert.issued_on),
        13.0,
        80.0,
        146.0,
    );
    ts.line(
        &mut content,
        &format!("证书编号：{}", cert.serial),
        13.0,
        80.0,
        122.0,
    );
    content.set_fill_rgb(0.3, 0.3, 0.3);
    ts.line(
        &mut content,
        &format!("扫码或访问 {} 验证", cert.verify_url),
        9.0,
        80.0,
        90.0,
    );

    // The QR code, bottom right: one filled square per dark module.
    if let Ok(code) = qrcode::QrCode::new(cert.verify_url.as_bytes()) {
        let modules = code.width();
        let side = 120.0;
        let cell = side / modules as f32;
        let (x0, y0) = (PAGE_WIDTH - 80.0 - side, 80.0);
        content.set_fill_rgb(0.0, 0.0, 0.0);
        for (i, color) in code.to_colors().into_iter().enumerate() {
            if color == qrcode::Color::Dark {
                let (col, row) = ((i % modules) as f32, (i / modules) as f32);
                content.rect(
                    x0 + col * cell,
                    y0 + side - (row + 1.0) * cell,
                    cell + 0.05,
                    cell + 0.05,
                );
            }
        }
        content.fill_nonzero();
    }

    let content = content.finish();
    write_document(&ts, font, &deflate(&content), cert)
}

fn write_document(
    ts: &Typesetter<'_>,
    font: &[u8],
    content: &[u8],
    cert: &CertificateText,
) -> Result<Vec<u8>, PrintError> {
    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let page_id = Ref::new(3);
    let content_id = Ref::new(4);
    let type0_id = Ref::new(5);
    let cid_id = Ref::new(6);
    let descriptor_id = Ref::new(7);
    let font_file_id = Ref::new(8);
    let cmap_id = Ref::new(9);
    let info_id = Ref::new(10);

    let subset = subsetter::subset(font, 0, &ts.remapper)
        .map_err(|e| PrintError::BadFont(format!("{e:?}")))?;
    let scale = 1000.0 / ts.units_per_em;
    let base_font = Name(b"QHCERT+CertificateFont");
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.pages(pages_id).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
    page.parent(pages_id);
    page.contents(content_id);
    page.resources().fonts().pair(FONT_NAME, type0_id);
    page.finish();
    pdf.stream(content_id, content).filter(Filter::FlateDecode);

    pdf.type0_font(type0_id)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    // Widths of the subset's glyphs in order of their new ids (0 is .notdef).
    let mut widths = vec![0.0f32; usize::from(ts.remapper.num_gids())];
    for old in ts.remapper.remapped_gids() {
        if let Some(new) = ts.remapper.get(old) {
            let advance = ts
                .face
                .glyph_hor_advance(ttf_parser::GlyphId(old))
                .unwrap_or(0);
            widths[usize::from(new)] = f32::from(advance) * scale;
        }
    }
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(base_font)
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(1000.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();

    let bbox = ts.face.global_bounding_box();
    pdf.font_descriptor(descriptor_id)
        .name(base_font)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(ts.face.ascender()) * scale)
        .descent(f32::from(ts.face.descender()) * scale)
        .cap_height(f32::from(ts.face.capital_height().unwrap_or(ts.face.ascender())) * scale)
        .stem_v(80.0)
        .font_file2(font_file_id);
    pdf.stream(font_file_id, &deflate(&subset))
        .filter(Filter::FlateDecode);

    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system_info);
    for (old, c) in &ts.used {
        if let Some(new) = ts.remapper.get(*old) {
            cmap.pair(new, *c);
        }
    }
    let cmap = cmap.finish();
    pdf.cmap(cmap_id, cmap.as_slice());

    pdf.document_info(info_id)
        .title(TextStr(&format!(
            "{} · {} · {}",
            cert.course_title, cert.holder, cert.serial
        )))
        .creator(TextStr("起航 Qihang"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FONT: &str = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf";

    fn sample(holder: &str) -> CertificateText {
        CertificateText {
            serial: "QH-2026-ABCDEFGHJK".into(),
            holder: holder.into(),
            course_title: "智能手机基础应用".into(),
            tier_label: "基础".into(),
            hours: "6".into(),
            issuer: "江苏省总工会".into(),
            issued_on: "2026年11月25日".into(),
            verify_url: "http://127.0.0.1:8080/verify/QH-2026-ABCDEFGHJK".into(),
        }
    }

    /// The font is installed by `cargo xtask`; without it the test says so and fails.
    fn font() -> Vec<u8> {
        std::fs::read(FONT).unwrap_or_else(|e| panic!("{FONT}: {e} (install fonts-lxgw-wenkai)"))
    }

    #[test]
    fn rare_names_are_embedded_and_extractable() {
        let font = font();
        let pdf = render_pdf(&font, &sample("𠮷𡒄")).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // A subset, not the 15 MB face.
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
        let text = String::from_utf8_lossy(&pdf);
        // The ToUnicode map carries both rare characters (UTF-16 surrogate pairs).
        assert!(text.contains("D842DFB7"), "𠮷 missing from ToUnicode");
        assert!(text.contains("D845DC84"), "𡒄 missing from ToUnicode");
    }

    #[test]
    fn characters_without_glyphs_are_refused_by_name() {
        let font = font();
        // U+31350 (CJK Extension H) is not in the font.
        let err = render_pdf(&font, &sample("张\u{31350}红")).unwrap_err();
        assert_eq!(
            err,
            PrintError::MissingGlyphs {
                chars: vec!['\u{31350}']
            }
        );
    }

    #[test]
    fn qr_is_an_svg() {
        let svg = qr_svg("http://127.0.0.1/verify/QH-2026-ABCDEFGHJK");
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
