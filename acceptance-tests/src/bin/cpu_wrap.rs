//! `make bench`'s CPU accounting for a provider: Terraform starts this in the provider's place, it runs the
//! real provider (`ECSBG_WRAP_TARGET`) with the same arguments, environment and standard streams, and when the
//! provider exits it appends the provider's CPU time to `ECSBG_WRAP_OUT` as `<user µs> <system µs>`.
//!
//! Wall time alone cannot say who spent a plan's time: Terraform waits for the provider and the provider for
//! Terraform. The kernel's per-child accounting can, once the provider is our child rather than Terraform's.

use std::io::Write as _;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let (Some(target), Some(out)) = (
        std::env::var_os("ECSBG_WRAP_TARGET"),
        std::env::var_os("ECSBG_WRAP_OUT"),
    ) else {
        eprintln!(
            "ecsbg-cpu-wrap: set ECSBG_WRAP_TARGET (the provider) and ECSBG_WRAP_OUT (the CPU log)"
        );
        return ExitCode::from(2);
    };
    let status = match Command::new(&target)
        .args(std::env::args_os().skip(1))
        .status()
    {
        Ok(status) => status,
        Err(err) => {
            eprintln!(
                "ecsbg-cpu-wrap: starting {}: {err}",
                target.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    };
    // SAFETY: getrusage(2) fills the zeroed struct we own; no other memory is involved.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    let line = format!("{} {}\n", micros(usage.ru_utime), micros(usage.ru_stime));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&out)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(err) = written {
        eprintln!("ecsbg-cpu-wrap: writing {}: {err}", out.to_string_lossy());
    }
    ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8)
}
