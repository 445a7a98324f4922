//! The process's handlers for SIGINT and SIGTERM, installed for the commands that work on
//! contacts or run folders (validate, import, export, undo, delete): each signal is counted in
//! `crate::stop`, where the command sees it and stops cleanly (exit 130). A third signal ends
//! the process at once, for a command stuck where it cannot look (the ledger stays consistent:
//! it is written in transactions).

/// Installs the handlers; an error means the signals keep their default action.
pub(crate) fn install() -> std::io::Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // SAFETY: the handler only does an atomic add and, on the third signal, `_exit`; both
        // are async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, || {
                if crate::stop::request() >= 3 {
                    signal_hook::low_level::exit(130);
                }
            })?;
        }
    }
    Ok(())
}
