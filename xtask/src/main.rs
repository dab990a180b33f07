//! `cargo xtask`: builds the browser bundle without cargo-leptos or a wasm-bindgen CLI, then
//! builds and runs the server or the test suite.
//!
//! - `cargo xtask run [ARGS…]`  install the wasm target if missing, build the bundle and the
//!   release server, then `qihang serve` on ./data/qihang.db (ARGS go to `qihang`)
//! - `cargo xtask test [--db sqlite|postgres|both]`  build the bundle, make sure Chromium is
//!   there, then run every test against the chosen database(s) (default both)
//! - `cargo xtask wasm`  only build the bundle into target/site/pkg and print its size

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// wasm-opt from the npm registry (Debian's binaryen 108 produces a bundle that crashes).
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("wasm") => build_wasm().map(|_| ()),
        Some("bench") => bench(&args[1..]),
        _ => Err(
            "usage: cargo xtask run [qihang args…] | test [--db sqlite|postgres|both] | wasm \
             | bench [--db sqlite|postgres|both] [--learners N] [--seconds S]"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

fn status(cmd: &mut Command, what: &str) -> Result {
    let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn step(message: &str) {
    println!("==> {message}");
    let _ = std::io::stdout().flush();
}

fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out) if String::from_utf8_lossy(&out.stdout).contains("wasm32-unknown-unknown") => {
            Ok(())
        }
        Ok(_) => {
            step("installing the wasm32-unknown-unknown target");
            status(
                Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
                "rustup target add",
            )
        }
        Err(_) => Ok(()), // no rustup: assume the toolchain has the target, cargo will say if not
    }
}

/// The browser bundles, as `qihang_app::islands::Bundle` names them: the file name stem and
/// the island features it is built with. A page names the one bundle that holds its islands;
/// were one missing here, that page's islands would stay unhydrated (the browser tests of
/// each island would fail).
const BUNDLES: &[(&str, &str)] = &[
    (
        "qihang",
        "islands-read,islands-quiz,islands-forms,islands-class",
    ),
    ("qihang-read", "islands-read"),
    ("qihang-quiz", "islands-quiz"),
    ("qihang-forms", "islands-forms"),
    ("qihang-class", "islands-class"),
];

/// Builds the islands bundles into target/site/pkg: NAME.js and NAME_bg.wasm for each of
/// [`BUNDLES`].
fn build_wasm() -> Result<PathBuf> {
    ensure_wasm_target()?;
    let root = workspace_root();
    let started = Instant::now();
    let pkg = root.join("target/site/pkg");
    std::fs::create_dir_all(&pkg).map_err(|e| e.to_string())?;
    for (name, islands) in BUNDLES {
        build_bundle(&root, &pkg, name, islands)?;
    }
    precompress(&pkg)?;
    report(&pkg, started)?;
    Ok(pkg)
}

/// One bundle: the app crate as a cdylib with `hydrate` and these islands, through
/// wasm-bindgen and wasm-opt.
fn build_bundle(root: &Path, pkg: &Path, name: &str, islands: &str) -> Result {
    step(&format!(
        "building the browser bundle {name} (wasm, size-optimised profile)"
    ));
    status(
        cargo().args([
            "rustc",
            "--package",
            "qihang-app",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "--no-default-features",
            "--features",
            &format!("hydrate,{islands}"),
            "--crate-type",
            "cdylib",
        ]),
        "cargo rustc (wasm)",
    )?;
    let wasm = root.join("target/wasm32-unknown-unknown/wasm-release/qihang_app.wasm");
    step(&format!("running wasm-bindgen (library) for {name}"));
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&wasm)
        .out_name(name)
        .web(true)
        .map_err(|e| e.to_string())?
        .typescript(false)
        .generate(pkg)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    optimise(root, &pkg.join(format!("{name}_bg.wasm")));
    Ok(())
}

/// Runs wasm-opt -Oz when it can be had from npm; the bundle works without it, only larger.
fn optimise(root: &Path, bundle: &Path) {
    let tools = root.join("target/tools");
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        step(&format!(
            "installing wasm-opt ({BINARYEN_NPM}) from npm into target/tools"
        ));
        let _ = std::fs::create_dir_all(&tools);
        let ok = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&tools)
            .arg(BINARYEN_NPM)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok || !wasm_opt.exists() {
            println!("warning: wasm-opt unavailable (npm missing or offline); the bundle is not size-optimised");
            return;
        }
    }
    step("running wasm-opt -Oz");
    let optimised = bundle.with_extension("opt.wasm");
    let ok = Command::new(&wasm_opt)
        .arg("-Oz")
        .args(WASM_OPT_FEATURES)
        .arg(bundle)
        .arg("-o")
        .arg(&optimised)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        let _ = std::fs::rename(&optimised, bundle);
    } else {
        println!("warning: wasm-opt failed; keeping the unoptimised bundle");
    }
}

/// Writes `NAME.gz` and `NAME.br` beside every file of the bundle, at the highest levels:
/// the server serves these as they are and never compresses the bundle per request.
fn precompress(pkg: &Path) -> Result {
    step("precompressing the bundle (gzip -9, brotli 11)");
    let entries = std::fs::read_dir(pkg).map_err(|e| format!("{}: {e}", pkg.display()))?;
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_file() || name.ends_with(".gz") || name.ends_with(".br") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
        let (gz, br) = compressed(&bytes);
        for (ext, data) in [("gz", gz), ("br", br)] {
            std::fs::write(pkg.join(format!("{name}.{ext}")), data)
                .map_err(|e| format!("{name}.{ext}: {e}"))?;
        }
    }
    Ok(())
}

fn compressed(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("in memory");
    let gz = gz.finish().expect("in memory");
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        writer.write_all(bytes).expect("in memory");
    }
    (gz, br)
}

fn compressed_sizes(bytes: &[u8]) -> (usize, usize) {
    let (gz, br) = compressed(bytes);
    (gz.len(), br.len())
}

fn report(pkg: &Path, started: Instant) -> Result {
    for (bundle, _) in BUNDLES {
        let mut total = (0, 0, 0);
        for name in [format!("{bundle}_bg.wasm"), format!("{bundle}.js")] {
            let bytes = std::fs::read(pkg.join(&name)).map_err(|e| format!("{name}: {e}"))?;
            let (gz, br) = compressed_sizes(&bytes);
            println!(
                "    {name}: {} bytes raw, {gz} gzip, {br} brotli",
                bytes.len()
            );
            total = (total.0 + bytes.len(), total.1 + gz, total.2 + br);
        }
        println!(
            "    {bundle} total: {} raw, {} gzip, {} brotli",
            total.0, total.1, total.2
        );
    }
    println!("    built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn run(args: &[String]) -> Result {
    ensure_debian_packages(&[CERTIFICATE_FONT], "certificate PDFs")?;
    let pkg = build_wasm()?;
    step("building the server (release)");
    status(
        cargo().args(["build", "--release", "--package", "qihang"]),
        "cargo build --release",
    )?;
    let binary = workspace_root().join("target/release/qihang");
    step("starting qihang at http://127.0.0.1:8080 (Ctrl-C stops it)");
    let mut cmd = Command::new(binary);
    cmd.current_dir(workspace_root())
        .env("QIHANG_SITE_ROOT", pkg.parent().expect("pkg has a parent"));
    if args.is_empty() {
        cmd.arg("serve");
    } else {
        cmd.args(args);
    }
    status(&mut cmd, "qihang")
}

/// The certificate PDF font (Debian's fonts-lxgw-wenkai: covers rare characters like 𡒄).
const CERTIFICATE_FONT: (&str, &str) = (
    "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
    "fonts-lxgw-wenkai",
);

/// What the browser tests drive: Debian's chromium and its driver, with CJK fonts.
const BROWSER_PACKAGES: [(&str, &str); 3] = [
    ("/usr/bin/chromium", "chromium"),
    ("/usr/bin/chromedriver", "chromium-driver"),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "fonts-noto-cjk",
    ),
];

/// Installs the Debian packages whose files are missing (as root), or says what to install.
fn ensure_debian_packages(needed: &[(&str, &str)], why: &str) -> Result {
    let missing: Vec<&str> = needed
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    if !is_root {
        return Err(format!(
            "{why} need Debian's {list}: sudo apt-get install {list}"
        ));
    }
    step(&format!("installing Debian's {list} ({why})"));
    status(
        Command::new("apt-get").args(["update", "-qq"]),
        "apt-get update",
    )?;
    status(
        Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        &format!("apt-get install {list}"),
    )
}

/// The campaign benchmark in release: the bundle, then `cargo bench --bench campaign` on each
/// backend (a generated drive, the server pinned to CPU 0, open-loop load on CPU 1). The table
/// is printed and written to `target/bench/campaign.md`.
fn bench(args: &[String]) -> Result {
    let mut db = "both".to_string();
    let mut learners = "500000".to_string();
    let mut seconds = "3".to_string();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .clone();
        match flag.as_str() {
            "--db" => db = value,
            "--learners" => learners = value,
            "--seconds" => seconds = value,
            other => {
                return Err(format!(
                    "unknown flag {other}: use --db, --learners or --seconds"
                ))
            }
        }
    }
    if !matches!(db.as_str(), "sqlite" | "postgres" | "both") {
        return Err(format!("unknown --db {db:?}: use sqlite, postgres or both"));
    }
    build_wasm()?;
    ensure_debian_packages(
        &[("/usr/bin/taskset", "util-linux")],
        "pinning the server and the load to cores",
    )?;
    step(&format!(
        "campaign benchmark: {db}, {learners} learners, {seconds} s per step (release build)"
    ));
    status(
        cargo()
            .args(["bench", "-p", "qihang", "--bench", "campaign", "--"])
            .args([&db, &learners, &seconds]),
        "cargo bench --bench campaign",
    )
}

fn test(args: &[String]) -> Result {
    let db = match args {
        [] => "both",
        [flag, value] if flag == "--db" => value.as_str(),
        _ => return Err("usage: cargo xtask test [--db sqlite|postgres|both]".into()),
    };
    let backends: &[&str] = match db {
        "sqlite" => &["sqlite"],
        "postgres" => &["postgres"],
        "both" => &["sqlite", "postgres"],
        other => {
            return Err(format!(
                "unknown --db {other:?}: use sqlite, postgres or both"
            ))
        }
    };
    let pkg = build_wasm()?;
    let mut packages = BROWSER_PACKAGES.to_vec();
    packages.push(CERTIFICATE_FONT);
    ensure_debian_packages(&packages, "the browser tests and certificate PDFs")?;
    for backend in backends {
        step(&format!("running the test suite against {backend}"));
        status(
            cargo()
                .args(["test", "--workspace", "--no-fail-fast"])
                .env("QIHANG_TEST_DB", backend)
                .env(
                    "QIHANG_TEST_SITE_ROOT",
                    pkg.parent().expect("pkg has a parent"),
                ),
            &format!("tests on {backend}"),
        )?;
    }
    Ok(())
}
