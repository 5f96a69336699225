//! A fault-injecting TCP proxy for the fault tests: batchtop talks to a real
//! server (the API server, a broker) through it, and the test cuts the line.
//!
//! [`Fault::Close`] is a dropped link (connections closed, new ones closed at
//! once), [`Fault::Reset`] a rejecting firewall (RST), [`Fault::Stall`] a
//! black hole: connections stay open and nothing arrives either way, which
//! only a timeout notices. [`Proxy::heal`] lets new connections through
//! again; connections that were stalled stay dead (as after a long outage,
//! the client must give up on them itself).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Everything passes.
    None = 0,
    /// Open connections are closed (FIN) and new ones closed at once.
    Close = 1,
    /// Open connections are reset (RST) and new ones reset at once.
    Reset = 2,
    /// A black hole: nothing is forwarded, nothing is closed.
    Stall = 3,
}

impl Fault {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Fault::Close,
            2 => Fault::Reset,
            3 => Fault::Stall,
            _ => Fault::None,
        }
    }
}

/// One connection through the proxy: both sockets, and whether it was stalled.
struct Link {
    client: TcpStream,
    upstream: TcpStream,
    stalled: Arc<AtomicBool>,
}

struct Shared {
    upstream: SocketAddr,
    fault: AtomicU8,
    links: Mutex<Vec<Link>>,
    stopped: AtomicBool,
}

/// A running proxy on 127.0.0.1 (an ephemeral port) in front of `upstream`.
/// Dropping it stops accepting and closes every connection.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

/// How often the pumps look at the fault while waiting for bytes.
const TICK: Duration = Duration::from_millis(100);

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fault proxy");
        let addr = listener.local_addr().expect("the fault proxy's address");
        let shared = Arc::new(Shared {
            upstream,
            fault: AtomicU8::new(Fault::None as u8),
            links: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
        });
        let accept = Arc::clone(&shared);
        std::thread::spawn(move || accept_loop(&listener, &accept));
        Self { addr, shared }
    }

    /// The address to point the client at.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn fault(&self) -> Fault {
        Fault::from_u8(self.shared.fault.load(Ordering::SeqCst))
    }

    /// Breaks the line as `fault` says, open connections included.
    pub fn inject(&self, fault: Fault) {
        self.shared.fault.store(fault as u8, Ordering::SeqCst);
        let mut links = self.shared.links.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match fault {
            Fault::None => {}
            Fault::Close => links.drain(..).for_each(|l| close(&l, false)),
            Fault::Reset => links.drain(..).for_each(|l| close(&l, true)),
            Fault::Stall => links.iter().for_each(|l| l.stalled.store(true, Ordering::SeqCst)),
        }
    }

    /// New connections pass again.
    pub fn heal(&self) {
        self.inject(Fault::None);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stopped`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let mut links = self.shared.links.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        links.drain(..).for_each(|l| close(&l, false));
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = conn else { continue };
        match Fault::from_u8(shared.fault.load(Ordering::SeqCst)) {
            Fault::Close => drop(client),
            Fault::Reset => reset(&client),
            // A black hole accepts (the kernel would have) and then says nothing.
            Fault::Stall => swallow(client),
            Fault::None => {
                if let Err(e) = open_link(client, shared) {
                    eprintln!("fault proxy: cannot reach {}: {e}", shared.upstream);
                }
            }
        }
    }
}

fn open_link(client: TcpStream, shared: &Arc<Shared>) -> std::io::Result<()> {
    let upstream = TcpStream::connect_timeout(&shared.upstream, Duration::from_secs(5))?;
    let stalled = Arc::new(AtomicBool::new(false));
    for (from, to) in [(client.try_clone()?, upstream.try_clone()?), (upstream.try_clone()?, client.try_clone()?)] {
        let stalled = Arc::clone(&stalled);
        std::thread::spawn(move || pump(from, to, &stalled));
    }
    let mut links = shared.links.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    links.retain(|l| l.client.peer_addr().is_ok());
    links.push(Link { client, upstream, stalled });
    Ok(())
}

/// Copies `from` to `to` until either side closes; once stalled, reads and
/// drops what arrives (so the sender sees no back-pressure, only silence).
fn pump(mut from: TcpStream, mut to: TcpStream, stalled: &AtomicBool) {
    let _ = from.set_read_timeout(Some(TICK));
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if !stalled.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    if !stalled.load(Ordering::SeqCst) {
        let _ = to.shutdown(Shutdown::Write);
    }
}

/// Holds a connection open and reads nothing back to it, until the proxy stops.
fn swallow(client: TcpStream) {
    std::thread::spawn(move || {
        let mut client = client;
        let _ = client.set_read_timeout(Some(Duration::from_secs(600)));
        let mut buf = [0u8; 16 * 1024];
        while matches!(client.read(&mut buf), Ok(n) if n > 0) {}
    });
}

fn close(link: &Link, rst: bool) {
    if rst {
        reset(&link.client);
    } else {
        let _ = link.client.shutdown(Shutdown::Both);
    }
    let _ = link.upstream.shutdown(Shutdown::Both);
}

/// Closes with an RST: SO_LINGER on with a zero timeout, then close.
fn reset(stream: &TcpStream) {
    let linger = nix::libc::linger { l_onoff: 1, l_linger: 0 };
    let _ = nix::sys::socket::setsockopt(&stream.as_fd(), nix::sys::socket::sockopt::Linger, &linger);
    let _ = stream.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server, the proxy in front, and each fault as a client sees it.
    #[test]
    fn each_fault_is_what_a_client_sees() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = echo.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut c in echo.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 64];
                    while let Ok(n) = c.read(&mut buf) {
                        if n == 0 || c.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let proxy = Proxy::start(upstream);
        let ask = |c: &mut TcpStream| -> std::io::Result<usize> {
            c.set_read_timeout(Some(Duration::from_millis(500)))?;
            c.write_all(b"ping")?;
            let mut buf = [0u8; 4];
            c.read(&mut buf)
        };
        let mut c = TcpStream::connect(proxy.addr()).unwrap();
        assert_eq!(ask(&mut c).unwrap(), 4, "passes");

        proxy.inject(Fault::Stall);
        let err = ask(&mut c).unwrap_err();
        assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{err}");
        let mut fresh = TcpStream::connect(proxy.addr()).unwrap();
        assert!(ask(&mut fresh).is_err(), "a new connection gets silence too");

        proxy.inject(Fault::Close);
        let mut closed = TcpStream::connect(proxy.addr()).unwrap();
        assert!(matches!(ask(&mut closed), Ok(0) | Err(_)), "closed at once");

        proxy.inject(Fault::Reset);
        let mut reset = TcpStream::connect(proxy.addr()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(ask(&mut reset).is_err() || ask(&mut reset).is_err(), "reset");

        proxy.heal();
        let mut healed = TcpStream::connect(proxy.addr()).unwrap();
        assert_eq!(ask(&mut healed).unwrap(), 4, "heals for new connections");
    }
}
