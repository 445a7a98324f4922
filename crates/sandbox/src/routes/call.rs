//! What every API handler starts from: the sandbox's state and who is calling (the gate's
//! [`Ctx`]), taken from the request together, and the one way a handler's result becomes its
//! response.

use super::{ApiResult, Ctx};
use crate::server::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use axum::Extension;
use std::sync::Arc;

/// A handler's caller: the state it works on and the [`Ctx`] the gate set.
pub(super) struct Call {
    st: Arc<AppState>,
    ctx: Ctx,
}

impl FromRequestParts<Arc<AppState>> for Call {
    // The rejection of a missing `Ctx` stays axum's own (a 500), as when handlers took
    // `Extension<Ctx>` themselves.
    type Rejection = <Extension<Ctx> as FromRequestParts<Arc<AppState>>>::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Extension(ctx) = Extension::<Ctx>::from_request_parts(parts, state).await?;
        Ok(Call {
            st: Arc::clone(state),
            ctx,
        })
    }
}

impl Call {
    /// Runs a handler's body and turns its result into the response (an error carries the
    /// request's trace id).
    pub(super) fn answer(&self, handle: impl FnOnce(&AppState, &Ctx) -> ApiResult) -> Response {
        self.ctx.reply(handle(&self.st, &self.ctx))
    }
}
