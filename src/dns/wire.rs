//! DNS messages on the wire (RFC 1035 §4): a builder and a parser.
//!
//! Pure. The parser never panics on any input: every read is bounds-checked, a
//! compression pointer must point strictly backwards (so following pointers always
//! terminates) and a name may not exceed 255 octets (RFC 1035 §3.1). Record types this
//! crate does not interpret are kept as opaque bytes. The builder writes names without
//! compression, which every server accepts and keeps the TSIG input obvious.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::types::Hostname;

/// Record types (RFC 1035 §3.2.2, RFC 3596, RFC 8945).
pub mod rtype {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const AAAA: u16 = 28;
    pub const OPT: u16 = 41;
    pub const TSIG: u16 = 250;
    pub const ANY: u16 = 255;
}

/// Classes (RFC 1035 §3.2.4; NONE and ANY as RFC 2136 §2.4/§2.5 use them).
pub mod class {
    pub const IN: u16 = 1;
    pub const NONE: u16 = 254;
    pub const ANY: u16 = 255;
}

/// Opcodes (RFC 1035 §4.1.1, RFC 2136 §1.3).
pub mod opcode {
    pub const QUERY: u8 = 0;
    pub const UPDATE: u8 = 5;
}

/// The header flag bits this crate sets or reads (RFC 1035 §4.1.1).
pub mod flag {
    pub const QR: u16 = 0x8000;
    pub const TC: u16 = 0x0200;
    pub const RD: u16 = 0x0100;
}

/// Longest name on the wire, length octets and root label included (RFC 1035 §3.1).
const MAX_NAME_WIRE: usize = 255;
const MAX_LABEL: usize = 63;
/// Compression pointers followed within one name; backward-only pointers already
/// guarantee termination, this bounds the work on hostile input.
const MAX_POINTER_HOPS: usize = 64;

/// Why bytes are not a DNS message (or a name is not a DNS name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The message ended inside the named part.
    Truncated(&'static str),
    /// A compression pointer pointed forwards or at itself, or there were too many.
    BadPointer(usize),
    /// A label type other than 0b00 (plain) or 0b11 (pointer) (RFC 6891 §5 retired 0b01).
    BadLabelType(u8),
    NameTooLong,
    LabelTooLong,
    EmptyLabel,
    /// A record's data did not match its type (for example an A record of 5 bytes).
    BadRdata {
        rtype: u16,
        len: usize,
    },
    /// Bytes left over inside a record's data after its fields.
    RdataTrailing {
        rtype: u16,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated(what) => write!(f, "DNS message truncated in {what}"),
            WireError::BadPointer(at) => write!(f, "bad name compression pointer at offset {at}"),
            WireError::BadLabelType(b) => write!(f, "unknown label type 0x{b:02x}"),
            WireError::NameTooLong => f.write_str("name longer than 255 octets"),
            WireError::LabelTooLong => f.write_str("label longer than 63 octets"),
            WireError::EmptyLabel => f.write_str("empty label inside a name"),
            WireError::BadRdata { rtype, len } => write!(f, "record of type {rtype} with {len} data bytes"),
            WireError::RdataTrailing { rtype } => write!(f, "record of type {rtype} has trailing data bytes"),
        }
    }
}

impl std::error::Error for WireError {}

/// A domain name as labels (raw bytes, case kept). Equality ignores ASCII case
/// (RFC 4343). The root is the name with no labels.
#[derive(Clone, Default)]
pub struct Name {
    labels: Vec<Vec<u8>>,
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.labels.len() == other.labels.len()
            && self.labels.iter().zip(&other.labels).all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

impl Eq for Name {}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl Name {
    pub fn root() -> Name {
        Name { labels: Vec::new() }
    }

    /// From text in presentation form without escapes (`home.example.org`, trailing dot
    /// optional, `.` alone is the root).
    pub fn parse(text: &str) -> Result<Name, WireError> {
        let t = text.strip_suffix('.').unwrap_or(text);
        if t.is_empty() {
            return Ok(Name::root());
        }
        Name::from_labels(t.split('.').map(|l| l.as_bytes().to_vec()).collect())
    }

    pub fn from_hostname(host: &Hostname) -> Name {
        // A Hostname is at most 253 characters of 1-63-character labels: always a valid name.
        Name { labels: host.labels().map(|l| l.as_bytes().to_vec()).collect() }
    }

    fn from_labels(labels: Vec<Vec<u8>>) -> Result<Name, WireError> {
        let mut wire_len = 1;
        for l in &labels {
            if l.is_empty() {
                return Err(WireError::EmptyLabel);
            }
            if l.len() > MAX_LABEL {
                return Err(WireError::LabelTooLong);
            }
            wire_len += 1 + l.len();
        }
        if wire_len > MAX_NAME_WIRE {
            return Err(WireError::NameTooLong);
        }
        Ok(Name { labels })
    }

    pub fn labels(&self) -> &[Vec<u8>] {
        &self.labels
    }

    pub fn is_root(&self) -> bool {
        self.labels.is_empty()
    }

    /// The name with its first label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        self.labels.split_first().map(|(_, rest)| Name { labels: rest.to_vec() })
    }

    /// Whether `self` is `other` or below it.
    pub fn is_subdomain_of(&self, other: &Name) -> bool {
        self.labels.len() >= other.labels.len()
            && self.labels.iter().rev().zip(other.labels.iter().rev()).all(|(a, b)| a.eq_ignore_ascii_case(b))
    }

    /// Uncompressed wire form, case kept.
    pub fn write(&self, out: &mut Vec<u8>) {
        for l in &self.labels {
            // Labels are 1-63 bytes (checked on construction), so the length fits a u8.
            out.push(l.len() as u8);
            out.extend_from_slice(l);
        }
        out.push(0);
    }

    /// Canonical wire form: uncompressed, ASCII lower case (RFC 4034 §6.2, as RFC 8945
    /// §4.3.3 requires for the TSIG key and algorithm names).
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        for l in &self.labels {
            out.push(l.len() as u8);
            out.extend(l.iter().map(u8::to_ascii_lowercase));
        }
        out.push(0);
    }
}

impl fmt::Display for Name {
    /// Presentation form with a trailing dot; bytes outside letters, digits, `-` and `_`
    /// are written as `\DDD` (RFC 1035 §5.1) so a hostile name cannot forge log text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.labels.is_empty() {
            return f.write_str(".");
        }
        for l in &self.labels {
            for &b in l {
                if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*' {
                    write!(f, "{}", b as char)?;
                } else {
                    write!(f, "\\{b:03}")?;
                }
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}

/// Response codes, extended by the TSIG error space (RFC 1035 §4.1.1, RFC 2136 §2.2,
/// RFC 8945 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rcode(pub u16);

impl Rcode {
    pub const NOERROR: Rcode = Rcode(0);
    pub const FORMERR: Rcode = Rcode(1);
    pub const SERVFAIL: Rcode = Rcode(2);
    pub const NXDOMAIN: Rcode = Rcode(3);
    pub const NOTIMP: Rcode = Rcode(4);
    pub const REFUSED: Rcode = Rcode(5);
    pub const YXDOMAIN: Rcode = Rcode(6);
    pub const YXRRSET: Rcode = Rcode(7);
    pub const NXRRSET: Rcode = Rcode(8);
    pub const NOTAUTH: Rcode = Rcode(9);
    pub const NOTZONE: Rcode = Rcode(10);
    pub const BADSIG: Rcode = Rcode(16);
    pub const BADKEY: Rcode = Rcode(17);
    pub const BADTIME: Rcode = Rcode(18);
    pub const BADTRUNC: Rcode = Rcode(22);

    /// The mnemonic from the IANA registry, or `RCODE<n>`.
    pub fn name(self) -> String {
        let s = match self.0 {
            0 => "NOERROR",
            1 => "FORMERR",
            2 => "SERVFAIL",
            3 => "NXDOMAIN",
            4 => "NOTIMP",
            5 => "REFUSED",
            6 => "YXDOMAIN",
            7 => "YXRRSET",
            8 => "NXRRSET",
            9 => "NOTAUTH",
            10 => "NOTZONE",
            16 => "BADSIG",
            17 => "BADKEY",
            18 => "BADTIME",
            22 => "BADTRUNC",
            n => return format!("RCODE{n}"),
        };
        s.to_string()
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The fixed 12-byte header (RFC 1035 §4.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    /// QR, opcode, AA, TC, RD, RA, Z, RCODE as on the wire.
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    pub fn is_response(&self) -> bool {
        self.flags & flag::QR != 0
    }

    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0x0f) as u8
    }

    pub fn truncated(&self) -> bool {
        self.flags & flag::TC != 0
    }

    pub fn rcode(&self) -> Rcode {
        Rcode(self.flags & 0x000f)
    }

    /// Reads the header alone (used by the client to match IDs before a full parse).
    pub fn parse(buf: &[u8]) -> Result<Header, WireError> {
        let mut r = Reader::new(buf);
        Ok(Header {
            id: r.u16("header")?,
            flags: r.u16("header")?,
            qdcount: r.u16("header")?,
            ancount: r.u16("header")?,
            nscount: r.u16("header")?,
            arcount: r.u16("header")?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub qtype: u16,
    pub qclass: u16,
}

/// Start of Authority data (RFC 1035 §3.3.13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    pub mname: Name,
    pub rname: Name,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// TSIG record data (RFC 8945 §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsigData {
    pub algorithm: Name,
    /// Seconds since the epoch; 48 bits on the wire.
    pub time_signed: u64,
    pub fudge: u16,
    pub mac: Vec<u8>,
    pub original_id: u16,
    pub error: Rcode,
    pub other: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Soa(Soa),
    /// A name server's name (RFC 1035 §3.3.11), decompressed.
    Ns(Name),
    Tsig(TsigData),
    /// Any other type, or an empty RDATA (RFC 2136 deletions), as the bytes on the wire.
    /// Names inside may be compressed and are therefore not meaningful alone.
    Opaque(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
    /// Where this record starts in the message (TSIG verification needs the bytes before it).
    pub offset: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    /// For UPDATE this is the zone section (RFC 2136 §2.3).
    pub questions: Vec<Question>,
    /// For UPDATE: prerequisites.
    pub answers: Vec<Record>,
    /// For UPDATE: the updates.
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

/// Parses a whole message. Bytes after the last counted record are ignored (some
/// middleboxes pad UDP payloads).
pub fn parse(buf: &[u8]) -> Result<Message, WireError> {
    let header = Header::parse(buf)?;
    let mut r = Reader::new(buf);
    r.pos = 12;
    // Capacity comes from the data, not from the counts: a hostile header cannot make
    // us allocate more than the message could hold.
    let mut questions = Vec::new();
    for _ in 0..header.qdcount {
        let name = r.name()?;
        let qtype = r.u16("question")?;
        let qclass = r.u16("question")?;
        questions.push(Question { name, qtype, qclass });
    }
    let mut sections = [Vec::new(), Vec::new(), Vec::new()];
    let counts = [header.ancount, header.nscount, header.arcount];
    for (section, count) in sections.iter_mut().zip(counts) {
        for _ in 0..count {
            section.push(r.record()?);
        }
    }
    let [answers, authority, additional] = sections;
    Ok(Message { header, questions, answers, authority, additional })
}

/// A bounds-checked cursor over a message.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Truncated(what))?;
        let s = self.buf.get(self.pos..end).ok_or(WireError::Truncated(what))?;
        self.pos = end;
        Ok(s)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        let b: [u8; 2] = self.bytes(2, what)?.try_into().map_err(|_| WireError::Truncated(what))?;
        Ok(u16::from_be_bytes(b))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let hi = self.u16(what)?;
        let lo = self.u16(what)?;
        Ok((u32::from(hi) << 16) | u32::from(lo))
    }

    fn u48(&mut self, what: &'static str) -> Result<u64, WireError> {
        let hi = self.u16(what)?;
        let lo = self.u32(what)?;
        Ok((u64::from(hi) << 32) | u64::from(lo))
    }

    /// A possibly compressed name (RFC 1035 §4.1.4). The cursor ends after the first
    /// pointer or the root label.
    fn name(&mut self) -> Result<Name, WireError> {
        let mut labels = Vec::new();
        let mut wire_len = 1usize;
        let mut at = self.pos;
        // Where the cursor resumes: right after the first pointer, if any.
        let mut resume = None;
        let mut hops = 0;
        loop {
            let len = *self.buf.get(at).ok_or(WireError::Truncated("name"))?;
            match len & 0xc0 {
                0x00 if len == 0 => {
                    self.pos = resume.unwrap_or(at + 1);
                    return Ok(Name { labels });
                }
                0x00 => {
                    let start = at + 1;
                    let end = start + usize::from(len);
                    let label = self.buf.get(start..end).ok_or(WireError::Truncated("name"))?;
                    wire_len += 1 + label.len();
                    if wire_len > MAX_NAME_WIRE {
                        return Err(WireError::NameTooLong);
                    }
                    labels.push(label.to_vec());
                    at = end;
                }
                0xc0 => {
                    let lo = *self.buf.get(at + 1).ok_or(WireError::Truncated("name"))?;
                    let target = (usize::from(len & 0x3f) << 8) | usize::from(lo);
                    hops += 1;
                    // Strictly backwards: every hop lowers `at`, so the walk ends.
                    if target >= at || hops > MAX_POINTER_HOPS {
                        return Err(WireError::BadPointer(at));
                    }
                    if resume.is_none() {
                        resume = Some(at + 2);
                    }
                    at = target;
                }
                _ => return Err(WireError::BadLabelType(len)),
            }
        }
    }

    fn record(&mut self) -> Result<Record, WireError> {
        let offset = self.pos;
        let name = self.name()?;
        let rtype = self.u16("record header")?;
        let class = self.u16("record header")?;
        let ttl = self.u32("record header")?;
        let rdlen = usize::from(self.u16("record header")?);
        let start = self.pos;
        let raw = self.bytes(rdlen, "record data")?;
        let end = self.pos;
        let data = match rtype {
            _ if rdlen == 0 => RData::Opaque(Vec::new()),
            rtype::A => {
                let b: [u8; 4] = raw.try_into().map_err(|_| WireError::BadRdata { rtype, len: rdlen })?;
                RData::A(Ipv4Addr::from(b))
            }
            rtype::AAAA => {
                let b: [u8; 16] = raw.try_into().map_err(|_| WireError::BadRdata { rtype, len: rdlen })?;
                RData::Aaaa(Ipv6Addr::from(b))
            }
            rtype::SOA | rtype::TSIG | rtype::NS => {
                // Names inside may point anywhere earlier in the message, so read with a
                // cursor over the whole message, then insist the fields filled the RDATA.
                let mut sub = Reader { buf: self.buf.get(..end).unwrap_or(&[]), pos: start };
                let data = match rtype {
                    rtype::SOA => sub.soa()?,
                    rtype::NS => RData::Ns(sub.name()?),
                    _ => sub.tsig()?,
                };
                if sub.pos != end {
                    return Err(WireError::RdataTrailing { rtype });
                }
                data
            }
            _ => RData::Opaque(raw.to_vec()),
        };
        Ok(Record { name, rtype, class, ttl, data, offset })
    }

    fn soa(&mut self) -> Result<RData, WireError> {
        Ok(RData::Soa(Soa {
            mname: self.name()?,
            rname: self.name()?,
            serial: self.u32("SOA")?,
            refresh: self.u32("SOA")?,
            retry: self.u32("SOA")?,
            expire: self.u32("SOA")?,
            minimum: self.u32("SOA")?,
        }))
    }

    fn tsig(&mut self) -> Result<RData, WireError> {
        let algorithm = self.name()?;
        let time_signed = self.u48("TSIG")?;
        let fudge = self.u16("TSIG")?;
        let mac_len = usize::from(self.u16("TSIG")?);
        let mac = self.bytes(mac_len, "TSIG")?.to_vec();
        let original_id = self.u16("TSIG")?;
        let error = Rcode(self.u16("TSIG")?);
        let other_len = usize::from(self.u16("TSIG")?);
        let other = self.bytes(other_len, "TSIG")?.to_vec();
        Ok(RData::Tsig(TsigData { algorithm, time_signed, fudge, mac, original_id, error, other }))
    }
}

/// Which section a record goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Answer; RFC 2136 calls it prerequisites.
    Answer,
    /// Authority; RFC 2136 calls it update.
    Authority,
    Additional,
}

/// Builds a message section by section; the counts are filled in by [`finish`](Self::finish).
#[derive(Clone, Debug, Default)]
pub struct MessageBuilder {
    id: u16,
    flags: u16,
    questions: Part,
    answers: Part,
    authority: Part,
    additional: Part,
}

/// One section's bytes and record count.
#[derive(Clone, Debug, Default)]
struct Part {
    bytes: Vec<u8>,
    count: u16,
}

impl MessageBuilder {
    pub fn new(id: u16, opcode: u8, flags: u16) -> MessageBuilder {
        let flags = (flags & !0x7800) | (u16::from(opcode & 0x0f) << 11);
        MessageBuilder { id, flags, ..Default::default() }
    }

    pub fn question(&mut self, name: &Name, qtype: u16, qclass: u16) -> &mut Self {
        let p = &mut self.questions;
        name.write(&mut p.bytes);
        p.bytes.extend_from_slice(&qtype.to_be_bytes());
        p.bytes.extend_from_slice(&qclass.to_be_bytes());
        p.count = p.count.saturating_add(1);
        self
    }

    /// Appends a record; `rdata` at most 65535 bytes (longer data is cut, which no caller
    /// in this crate can produce).
    pub fn record(
        &mut self,
        section: Section,
        name: &Name,
        rtype: u16,
        class: u16,
        ttl: u32,
        rdata: &[u8],
    ) -> &mut Self {
        let p = match section {
            Section::Answer => &mut self.answers,
            Section::Authority => &mut self.authority,
            Section::Additional => &mut self.additional,
        };
        let rdata = rdata.get(..usize::from(u16::MAX)).unwrap_or(rdata);
        name.write(&mut p.bytes);
        p.bytes.extend_from_slice(&rtype.to_be_bytes());
        p.bytes.extend_from_slice(&class.to_be_bytes());
        p.bytes.extend_from_slice(&ttl.to_be_bytes());
        p.bytes.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        p.bytes.extend_from_slice(rdata);
        p.count = p.count.saturating_add(1);
        self
    }

    pub fn finish(&self) -> Vec<u8> {
        let parts = [&self.questions, &self.answers, &self.authority, &self.additional];
        let mut out = Vec::with_capacity(12 + parts.iter().map(|p| p.bytes.len()).sum::<usize>());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
        for p in parts {
            out.extend_from_slice(&p.count.to_be_bytes());
        }
        for p in parts {
            out.extend_from_slice(&p.bytes);
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn names_text_and_wire() {
        let n = name("Home.Example.ORG.");
        assert_eq!(n, name("home.example.org"));
        assert_eq!(n.to_string(), "Home.Example.ORG.");
        let mut w = Vec::new();
        n.write(&mut w);
        assert_eq!(w, b"\x04Home\x07Example\x03ORG\x00");
        let mut c = Vec::new();
        n.write_canonical(&mut c);
        assert_eq!(c, b"\x04home\x07example\x03org\x00");
        assert_eq!(n.parent().unwrap(), name("example.org"));
        assert!(n.is_subdomain_of(&name("EXAMPLE.org")));
        assert!(!name("example.org").is_subdomain_of(&n));
        assert!(Name::root().parent().is_none());
        assert_eq!(Name::root().to_string(), ".");
        assert_eq!(name(".").labels().len(), 0);
        assert_eq!(Name::parse("a..b"), Err(WireError::EmptyLabel));
        assert_eq!(Name::parse(&"a".repeat(64)), Err(WireError::LabelTooLong));
        // 4 labels of 63 = 256 octets with lengths, +1 root: too long.
        let long = vec!["x".repeat(63); 4].join(".");
        assert_eq!(Name::parse(&long), Err(WireError::NameTooLong));
        // Hostile bytes are escaped in text.
        let weird = Name { labels: vec![b"a b\n".to_vec()] };
        assert_eq!(weird.to_string(), "a\\032b\\010.");
    }

    #[test]
    fn builds_a_query_byte_for_byte() {
        let q = MessageBuilder::new(0x1234, opcode::QUERY, flag::RD)
            .question(&name("a.b"), rtype::AAAA, class::IN)
            .finish();
        #[rustfmt::skip]
        let want = [
            0x12, 0x34,             // ID
            0x01, 0x00,             // RD
            0, 1, 0, 0, 0, 0, 0, 0, // QD=1, AN=NS=AR=0
            1, b'a', 1, b'b', 0,    // a.b.
            0, 28, 0, 1,            // AAAA IN
        ];
        assert_eq!(q, want);
        let m = parse(&q).unwrap();
        assert_eq!(m.header.id, 0x1234);
        assert_eq!(m.header.opcode(), opcode::QUERY);
        assert!(!m.header.is_response());
        assert_eq!(m.questions, vec![Question { name: name("a.b"), qtype: rtype::AAAA, qclass: class::IN }]);
    }

    /// Real answers from BIND 9.18 (Debian named, authoritative for example.test on
    /// loopback) to non-recursive SOA queries, captured with a UDP socket.
    #[test]
    fn parses_captured_soa_answers() {
        #[rustfmt::skip]
        let apex: &[u8] = &[
            0xab, 0xcd,             // ID
            0x84, 0x00,             // QR, opcode QUERY, AA; NOERROR
            0, 1, 0, 1, 0, 1, 0, 1, // QD=1 AN=1 NS=1 AR=1
            // question at 12: example.test. SOA IN
            7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 4, b't', b'e', b's', b't', 0, 0, 6, 0, 1,
            // answer at 30: ->12 (example.test.), SOA IN, TTL 300, 33 bytes
            0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 1, 0x2c, 0, 0x21,
            2, b'n', b's', 0xc0, 0x0c,                    // mname ns.example.test. at 42
            5, b'a', b'd', b'm', b'i', b'n', 0xc0, 0x0c, // rname admin.example.test.
            0, 0, 0, 1,                                   // serial 1
            0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84,           // refresh 3600, retry 900
            0, 0x09, 0x3a, 0x80, 0, 0, 0, 0x3c,           // expire 604800, minimum 60
            // authority: example.test. NS IN 300, ->42 (ns.example.test.)
            0xc0, 0x0c, 0, 2, 0, 1, 0, 0, 1, 0x2c, 0, 2, 0xc0, 0x2a,
            // additional: ns.example.test. A IN 300 127.0.0.1
            0xc0, 0x2a, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 127, 0, 0, 1,
        ];
        let m = parse(apex).unwrap();
        assert!(m.header.is_response());
        assert_eq!(m.header.rcode(), Rcode::NOERROR);
        let rr = &m.answers[0];
        assert_eq!((rr.name.clone(), rr.class, rr.ttl, rr.offset), (name("example.test"), class::IN, 300, 30));
        match &rr.data {
            RData::Soa(soa) => {
                assert_eq!(soa.mname, name("ns.example.test"));
                assert_eq!(soa.rname, name("admin.example.test"));
                assert_eq!((soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum), (1, 3600, 900, 604800, 60));
            }
            other => panic!("not SOA: {other:?}"),
        }
        assert_eq!(m.authority[0].rtype, rtype::NS);
        assert_eq!(m.authority[0].data, RData::Ns(name("ns.example.test")));
        assert_eq!(m.additional[0].name, name("ns.example.test"));
        assert_eq!(m.additional[0].data, RData::A(Ipv4Addr::LOCALHOST));

        // host.example.test does not exist: NXDOMAIN with the zone's SOA in authority.
        #[rustfmt::skip]
        let below: &[u8] = &[
            0x12, 0x34, 0x84, 0x03, // ID; QR, AA; NXDOMAIN
            0, 1, 0, 0, 0, 1, 0, 0, // QD=1 NS=1
            4, b'h', b'o', b's', b't', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 4, b't', b'e', b's', b't', 0, 0, 6, 0, 1,
            // ->17 (example.test.), SOA IN, TTL 0 (the negative-caching TTL), 33 bytes
            0xc0, 0x11, 0, 6, 0, 1, 0, 0, 0, 0, 0, 0x21,
            2, b'n', b's', 0xc0, 0x11, 5, b'a', b'd', b'm', b'i', b'n', 0xc0, 0x11,
            0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84, 0, 0x09, 0x3a, 0x80, 0, 0, 0, 0x3c,
        ];
        let m = parse(below).unwrap();
        assert_eq!(m.header.rcode(), Rcode::NXDOMAIN);
        assert_eq!(m.questions[0].name, name("host.example.test"));
        assert_eq!(m.authority[0].name, name("example.test"));
        assert!(matches!(&m.authority[0].data, RData::Soa(s) if s.mname == name("ns.example.test")));
    }

    #[test]
    fn a_aaaa_unknown_and_empty_rdata() {
        let n = name("h.example.test");
        let mut b = MessageBuilder::new(7, opcode::UPDATE, flag::QR);
        b.record(Section::Answer, &n, rtype::A, class::IN, 60, &[192, 0, 2, 1])
            .record(Section::Answer, &n, rtype::AAAA, class::IN, 60, &Ipv6Addr::LOCALHOST.octets())
            .record(Section::Authority, &n, 99, class::IN, 5, b"opaque")
            .record(Section::Authority, &n, rtype::A, class::ANY, 0, &[]);
        let m = parse(&b.finish()).unwrap();
        assert_eq!(m.header.opcode(), opcode::UPDATE);
        assert_eq!(m.answers[0].data, RData::A(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(m.answers[1].data, RData::Aaaa(Ipv6Addr::LOCALHOST));
        assert_eq!(m.authority[0].data, RData::Opaque(b"opaque".to_vec()));
        assert_eq!(m.authority[1].data, RData::Opaque(vec![]));
        assert_eq!(m.authority[1].class, class::ANY);
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        let q = MessageBuilder::new(1, 0, 0).question(&name("a"), 1, 1).finish();
        for cut in 0..q.len() {
            assert!(parse(&q[..cut]).is_err(), "cut at {cut}");
        }
        // A pointer to itself, and a forward pointer.
        let mut selfptr = q[..12].to_vec();
        selfptr.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(parse(&selfptr), Err(WireError::BadPointer(12)));
        let mut fwd = q[..12].to_vec();
        fwd.extend_from_slice(&[0xc0, 14, 0, 0, 1, 0, 1]);
        assert_eq!(parse(&fwd), Err(WireError::BadPointer(12)));
        // Label type 0b01.
        let mut ext = q[..12].to_vec();
        ext.extend_from_slice(&[0x41, 0, 0, 1, 0, 1]);
        assert_eq!(parse(&ext), Err(WireError::BadLabelType(0x41)));
        // An A record of 5 bytes.
        let mut b = MessageBuilder::new(1, 0, 0);
        b.record(Section::Answer, &name("a"), rtype::A, class::IN, 0, &[1, 2, 3, 4, 5]);
        assert_eq!(parse(&b.finish()), Err(WireError::BadRdata { rtype: 1, len: 5 }));
        // SOA with a trailing byte.
        let mut soa = Vec::new();
        name("a").write(&mut soa);
        name("b").write(&mut soa);
        soa.extend_from_slice(&[0; 21]);
        let mut b = MessageBuilder::new(1, 0, 0);
        b.record(Section::Answer, &name("a"), rtype::SOA, class::IN, 0, &soa);
        assert_eq!(parse(&b.finish()), Err(WireError::RdataTrailing { rtype: rtype::SOA }));
    }

    /// Answer record i is named by a pointer to record i-1's name, so its name takes i
    /// hops to resolve: within the hop limit it parses, beyond it is refused.
    fn chain(records: u16) -> Vec<u8> {
        let mut m = vec![0, 0, 0, 0, 0, 1];
        m.extend_from_slice(&records.to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 0]);
        m.extend_from_slice(&[1, b'x', 0, 0, 1, 0, 1]); // question at 12: x. A IN
        let mut prev = 12usize;
        for _ in 0..records {
            let here = m.len();
            m.extend_from_slice(&[0xc0 | (prev >> 8) as u8, prev as u8]);
            m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // A IN ttl 0, no data
            prev = here;
        }
        m
    }

    #[test]
    fn pointer_chains_are_bounded() {
        let ok = parse(&chain(MAX_POINTER_HOPS as u16)).unwrap();
        assert!(ok.answers.iter().all(|rr| rr.name == name("x")));
        assert!(matches!(parse(&chain(MAX_POINTER_HOPS as u16 + 1)), Err(WireError::BadPointer(_))));
    }
}
