//! Static files for `--static DIR` / [`Options::static_dir`](crate::Options::static_dir):
//! the browser demo's page, script and wasm, served from the same origin as the
//! WebSocket modes.

use std::io;
use std::path::{Component, Path, PathBuf};

use crate::handshake::Request;
use crate::http;

/// The content type of a file, by extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The relative file path a request path names, or `None` when it tries to leave the
/// directory: a `..` segment (also percent-encoded, as the path arrives decoded), a
/// backslash, a NUL or a drive prefix. `/` and paths ending in `/` name `index.html`.
fn relative_path(request_path: &str) -> Option<PathBuf> {
    if request_path.contains(['\\', '\0']) {
        return None;
    }
    let mut rel = PathBuf::new();
    for segment in request_path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
    {
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(part)), None) => rel.push(part),
            _ => return None,
        }
    }
    if request_path.ends_with('/') || rel.as_os_str().is_empty() {
        rel.push("index.html");
    }
    Some(rel)
}

/// Answers a plain HTTP request for a file under `dir`.
///
/// 200 with the file, 403 for a path that tries to leave `dir` (including through a
/// symbolic link), 404 for a missing file, 405 for anything but GET.
pub(crate) async fn serve(dir: &Path, req: &Request) -> Vec<u8> {
    if req.method != "GET" {
        return http::json_error(405, "only GET is supported for static files");
    }
    let Some(rel) = relative_path(&req.path) else {
        return http::json_error(403, "path must stay inside the static directory");
    };
    match read_inside(dir, &rel).await {
        Ok(Some((path, body))) => http::response(200, content_type(&path), &body),
        Ok(None) => http::json_error(403, "path must stay inside the static directory"),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            http::json_error(404, &format!("no such file: {}", req.path))
        }
        Err(e) => http::json_error(404, &format!("cannot read {}: {e}", req.path)),
    }
}

/// Reads `dir/rel` (or `dir/rel/index.html` for a directory); `Ok(None)` when the
/// resolved file lies outside `dir`.
async fn read_inside(dir: &Path, rel: &Path) -> io::Result<Option<(PathBuf, Vec<u8>)>> {
    let root = tokio::fs::canonicalize(dir).await?;
    let mut path = tokio::fs::canonicalize(root.join(rel)).await?;
    if tokio::fs::metadata(&path).await?.is_dir() {
        path = tokio::fs::canonicalize(path.join("index.html")).await?;
    }
    if !path.starts_with(&root) {
        return Ok(None);
    }
    let body = tokio::fs::read(&path).await?;
    Ok(Some((path, body)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn maps_request_paths() {
        assert_eq!(relative_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(relative_path(""), Some(PathBuf::from("index.html")));
        assert_eq!(relative_path("/a/b.js"), Some(PathBuf::from("a/b.js")));
        assert_eq!(
            relative_path("/a//./b/"),
            Some(PathBuf::from("a/b/index.html"))
        );
        assert_eq!(relative_path("/.."), None);
        assert_eq!(relative_path("/a/../../etc/passwd"), None);
        assert_eq!(relative_path("/a\\..\\b"), None);
        assert_eq!(relative_path("/a\0b"), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("x.HTML")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("x.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("x.png")), "image/png");
        assert_eq!(content_type(Path::new("x.svg")), "image/svg+xml");
        assert_eq!(content_type(Path::new("x.json")), "application/json");
        assert_eq!(content_type(Path::new("x")), "application/octet-stream");
    }
}
