//! No response body, header or URL template panics the program: every provider's
//! exchange, the echo-answer parser and the Retry-After parser are fed random and
//! mutated inputs from a small deterministic PRNG (xorshift64*; no dependency), and
//! every produced request must stay well-formed.

#[path = "support/cases.rs"]
mod cases;
#[path = "support/rng.rs"]
mod rng;

use std::net::{Ipv4Addr, Ipv6Addr};

use homeport::addr::web;
use homeport::config::{AddrFamily, DdnsHost, Service};
use homeport::ddns::providers::{Exchange, Step, Target, http_status};
use homeport::ddns::request::HttpResponse;
use homeport::diag::SectionRef;
use homeport::types::{HostPort, Hostname, Interval, Secret};
use rng::Rng;

const PIECES: &[&str] = &[
    "good",
    "nochg",
    "badauth",
    "!donator",
    "911",
    "dnserr",
    "abuse",
    " ",
    "\n",
    "\r\n",
    "81.2.69.160",
    "::1",
    "2a00:1450::1",
    "OK",
    "KO",
    "NOCHANGE",
    "UPDATED",
    "Updated",
    "ERROR:",
    "No IP change detected",
    "<ErrCount>",
    "</ErrCount>",
    "0",
    "1",
    "<Err1>",
    "</Err1>",
    "{",
    "}",
    "[",
    "]",
    "\"success\"",
    ":",
    "true",
    "false",
    ",",
    "\"result\"",
    "\"id\"",
    "\"name\"",
    "\"content\"",
    "\"errors\"",
    "\"message\"",
    "\"code\"",
    "\"x\"",
    "null",
    "\"example.org\"",
    "é",
    "\u{0}",
    "%",
    "[IP]",
    "[IP6]",
    "[DOMAIN]",
    "[PASSWORD]",
    "[USERNAME]",
    "[",
    "@",
    "/",
    "?",
    "#",
    "http://",
    "https://",
    "://",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "99999999999999999999",
];

const SERVICES: &[Service] = &[
    Service::Dyndns2,
    Service::Noip,
    Service::Dyn,
    Service::Dynu,
    Service::Desec,
    Service::He,
    Service::Duckdns,
    Service::Freedns,
    Service::Namecheap,
    Service::Cloudflare,
    Service::Custom,
    Service::Rfc2136,
];

fn host(r: &mut Rng) -> DdnsHost {
    let service = SERVICES[r.below(SERVICES.len())];
    let domains = ["home.example.org", "a.b.c.example.net", "example.com", "x.duckdns.org"];
    // Fields are drawn in this order, so a seed keeps giving the same host.
    let domains = (0..r.below(3)).map(|_| Hostname::parse(r.pick(&domains)).unwrap()).collect();
    DdnsHost {
        section: SectionRef { ty: "ddns".into(), index: 0, name: None },
        username: if r.below(3) == 0 { None } else { Some(r.text(PIECES, 3)) },
        password: if r.below(4) == 0 { None } else { Some(Secret::new(r.text(PIECES, 4))) },
        family: [AddrFamily::Ipv4, AddrFamily::Ipv6, AddrFamily::Both][r.below(3)],
        server: if r.below(2) == 0 {
            None
        } else {
            HostPort::parse(r.pick(&["127.0.0.1:8080", "[::1]:1", "srv.example"])).ok()
        },
        use_https: r.below(2) == 0,
        update_url: Some(r.text(PIECES, 12)),
        force_interval: Interval::from_secs(0),
        cloudflare_zone: match r.below(3) {
            0 => None,
            1 => Some("023e105f4ecef8ad9ca31a8372d0c353".into()),
            _ => Some(r.text(PIECES, 3)),
        },
        ..DdnsHost::new_for(service, domains)
    }
}

fn response(r: &mut Rng) -> HttpResponse {
    let status = [200, 200, 200, 201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 503, 0, 999][r.below(16)];
    let body = if r.below(5) == 0 { r.bytes(300) } else { r.text(PIECES, 40).into_bytes() };
    let mut resp = HttpResponse { status, headers: vec![], body };
    for _ in 0..r.below(3) {
        let name = r.pick(&["Retry-After", "Date", "retry-after", "X"]);
        let value = r.text(PIECES, 4);
        resp.headers.push((name.into(), value));
    }
    resp
}

#[test]
fn no_exchange_panics_and_requests_stay_well_formed() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..cases::cases(12_000) {
        let h = host(&mut r);
        let ipv4 = (r.below(4) != 0).then(|| Ipv4Addr::from(r.next() as u32));
        let ipv6 = (r.below(2) == 0).then(|| Ipv6Addr::from(u128::from(r.next()) << 64 | u128::from(r.next())));
        let mut ex = Exchange::update(&Target { host: &h, ipv4, ipv6 });
        let mut step = ex.start();
        let mut steps = 0;
        while let Step::Send(req) = step {
            steps += 1;
            assert!(steps < 64, "exchange does not end");
            assert!(req.url.starts_with("http://") || req.url.starts_with("https://"), "{}", req.url);
            assert!(!req.url.chars().any(|c| c.is_whitespace() || c.is_control()), "{:?}", req.url);
            assert!(!req.url.contains('#'), "{:?}", req.url);
            for (_, v) in &req.headers {
                assert!(!v.contains('\r') && !v.contains('\n'));
            }
            if let Some(p) = h.password.as_ref().filter(|p| p.expose().len() >= 4) {
                let enc = homeport::ddns::percent::encode(p.expose());
                assert!(!req.redacted_url().contains(&enc), "secret in {}", req.redacted_url());
            }
            step = ex.on_response(&response(&mut r));
        }
    }
}

#[test]
fn no_parser_panics() {
    let mut r = Rng(42);
    for _ in 0..cases::cases(20_000) {
        let resp = response(&mut r);
        let _ = http_status::retry_after(&resp);
        let _ = http_status::classify(&resp);
        let _ = http_status::parse_http_date(&resp.text());
        let _ = web::parse_answer(&resp, r.below(2) == 0);
        let _ = web::request(Some(&r.text(PIECES, 6)), r.below(2) == 0, r.below(2) == 0);
        let _ = homeport::ddns::providers::dyndns2::classify(&resp);
        let _ = homeport::ddns::providers::duckdns::classify(&resp);
        let _ = homeport::ddns::providers::freedns::classify(&resp);
        let _ = homeport::ddns::providers::namecheap::classify(&resp);
        let _ = homeport::ddns::providers::custom::classify(&resp);
    }
}
