//! One bounded, cancellable dispatch loop shared by the commands that call the API.
