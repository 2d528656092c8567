//! One request to Kannel's `sendsms` interface: a plain HTTP GET (Kannel's `smsbox`
//! speaks HTTP on the machine or the private network it shares with Parcours), its
//! status line and body read back. Errors say what failed, never the number or text.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// What the gateway answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// `202 0: Accepted for delivery`.
    pub fn line(&self) -> String {
        let body: String = self.body.split_whitespace().collect::<Vec<_>>().join(" ");
        let body: String = body.chars().take(200).collect();
        format!("{} {body}", self.status).trim().to_owned()
    }
}

/// The largest answer read (Kannel's are one line).
const MAX_BODY: usize = 64 * 1024;

/// GETs `url` (http only), with a timeout over the whole exchange.
pub(crate) async fn get(url: &url::Url, timeout: std::time::Duration) -> Result<Reply, String> {
    tokio::time::timeout(timeout, exchange(url))
        .await
        .map_err(|_| "timed out".to_owned())?
}

async fn exchange(url: &url::Url) -> Result<Reply, String> {
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let stream = TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("unreachable ({})", e.kind()))?;
    let mut stream = BufReader::new(stream);
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: Parcours\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
    );
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("broken connection ({})", e.kind()))?;

    let mut status_line = String::new();
    stream
        .read_line(&mut status_line)
        .await
        .map_err(|e| format!("broken connection ({})", e.kind()))?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or("not an HTTP answer")?;
    let mut length = None;
    loop {
        let mut header = String::new();
        let read = stream
            .read_line(&mut header)
            .await
            .map_err(|e| format!("broken connection ({})", e.kind()))?;
        let header = header.trim_end();
        if read == 0 || header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n.min(MAX_BODY), 0);
            stream
                .read_exact(&mut body)
                .await
                .map_err(|e| format!("answer cut short ({})", e.kind()))?;
        }
        None => {
            stream
                .take(MAX_BODY as u64)
                .read_to_end(&mut body)
                .await
                .map_err(|e| format!("answer cut short ({})", e.kind()))?;
        }
    }
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    async fn serve_once(answer: &'static str) -> (url::Url, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut socket = BufReader::new(socket);
            let mut request = String::new();
            loop {
                let mut line = String::new();
                socket.read_line(&mut line).await.unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                request.push_str(&line);
            }
            socket.get_mut().write_all(answer.as_bytes()).await.unwrap();
            request
        });
        let url = url::Url::parse(&format!(
            "http://127.0.0.1:{port}/cgi-bin/sendsms?to=%2B33612345678&text=a+b"
        ))
        .unwrap();
        (url, handle)
    }

    #[tokio::test]
    async fn a_kannel_answer_is_read_by_its_length_even_on_a_kept_alive_connection() {
        let (url, server) = serve_once(
            "HTTP/1.1 202 Accepted\r\nServer: Kannel/1.4.5\r\nContent-Length: 24\r\nConnection: Keep-Alive\r\n\r\n0: Accepted for delivery",
        )
        .await;
        let reply = get(&url, std::time::Duration::from_secs(5)).await.unwrap();
        assert_eq!(reply.status, 202);
        assert_eq!(reply.line(), "202 0: Accepted for delivery");
        let request = server.await.unwrap();
        assert!(
            request.starts_with("GET /cgi-bin/sendsms?to=%2B33612345678&text=a+b HTTP/1.1\r\n"),
            "{request}"
        );
    }

    #[tokio::test]
    async fn an_answer_without_length_is_read_to_the_end() {
        let (url, _server) =
            serve_once("HTTP/1.0 403 Forbidden\r\n\r\nNot routable. Do not try again.").await;
        let reply = get(&url, std::time::Duration::from_secs(5)).await.unwrap();
        assert_eq!(reply.line(), "403 Not routable. Do not try again.");
    }

    #[tokio::test]
    async fn nobody_listening_is_an_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let err = get(&url, std::time::Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(err.starts_with("unreachable"), "{err}");
    }
}
