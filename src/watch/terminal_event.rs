//! Keys and resizes, read from the terminal on a thread of their own so that they are
//! answered while a check runs.

use std::sync::mpsc::Sender;

use crossterm::event::{self, KeyEventKind};

use super::Event;

/// Starts the reader; it ends when watch mode stops listening.
pub(crate) fn start(events: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            let sent = match event::read() {
                Ok(event::Event::Key(key)) if key.kind != KeyEventKind::Release => events.send(Event::Key(key)),
                Ok(event::Event::Resize(..)) => events.send(Event::Resize),
                Ok(_) => Ok(()),
                Err(e) => {
                    let _ = events.send(Event::TerminalFailed(e.to_string()));
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
    });
}
