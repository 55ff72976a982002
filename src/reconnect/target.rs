//! [`Target`]: where each attempt of a [`Reconnecting`](super::Reconnecting) client
//! connects.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::{Config, Error, MaybeSend};

/// The future of one attempt's URL and settings. This trait and [`MakeTarget`] are traits of
/// their own rather than a boxed `Future` and `FnMut`, so that their objects are `Send`
/// natively through [`MaybeSend`], with no per-target alias.
trait AttemptFuture: Future<Output = Result<(String, Config), Error>> + MaybeSend {}

impl<T: Future<Output = Result<(String, Config), Error>> + MaybeSend> AttemptFuture for T {}

/// Makes the URL and settings of each attempt from its number and the client's settings.
trait MakeTarget: MaybeSend {
    fn make(&mut self, attempt: u32, config: Config) -> Pin<Box<dyn AttemptFuture>>;
}

impl<F, Fut> MakeTarget for F
where
    F: FnMut(u32, Config) -> Fut + MaybeSend,
    Fut: AttemptFuture + 'static,
{
    fn make(&mut self, attempt: u32, config: Config) -> Pin<Box<dyn AttemptFuture>> {
        Box::pin(self(attempt, config))
    }
}

/// Where each attempt of a [`Reconnecting`](super::Reconnecting) client connects: one URL
/// (a `&str` or a `String` converts into it), or the URL and settings that
/// [`per_attempt`](Self::per_attempt) makes anew before every attempt.
pub struct Target(Kind);

enum Kind {
    Url(String),
    PerAttempt(Box<dyn MakeTarget>),
}

impl Target {
    /// The URL and settings of each attempt from `make`, called before every attempt with
    /// the attempt's number (from 1 since the last stable connection) and the settings the
    /// client was given: to refresh a token in the URL or a header, or to move to another
    /// server. An error from it counts as a failed attempt (final or not, as the policy
    /// decides). It is not bounded in time: give it a timeout of its own if it may hang.
    /// The connection's own attempt is bounded by
    /// [`Config::connect_timeout`](crate::Config::connect_timeout).
    ///
    /// Errors and logs show a URL with its password masked, but its query as it is: a token
    /// in the query (the browser's only way) shows there too. Natively a header
    /// ([`Config::header`](crate::Config::header)) keeps it out of them.
    ///
    /// ```no_run
    /// use omnisocket::reconnect::{Reconnect, Reconnecting, Target};
    /// use omnisocket::Config;
    ///
    /// # async fn fresh_token() -> Result<String, omnisocket::Error> { Ok("t".into()) }
    /// # async fn run() -> Result<(), omnisocket::Error> {
    /// let target = Target::per_attempt(|attempt, config| async move {
    ///     let token = fresh_token().await?;
    ///     Ok((format!("wss://example.com/live?token={token}&attempt={attempt}"), config))
    /// });
    /// let ws = Reconnecting::connect(target, Config::default(), Reconnect::default()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn per_attempt<F, Fut>(make: F) -> Self
    where
        F: FnMut(u32, Config) -> Fut + MaybeSend + 'static,
        Fut: Future<Output = Result<(String, Config), Error>> + MaybeSend + 'static,
    {
        Self(Kind::PerAttempt(Box::new(make)))
    }

    /// Refuses at once what no attempt can fix: an invalid URL, with `config`.
    pub(super) fn check(&self, config: &Config) -> Result<(), Error> {
        if let Kind::Url(url) = &self.0 {
            crate::url::check_websocket_url(url)?;
        }
        config.check()
    }

    /// The URL and settings of attempt number `attempt`.
    pub(super) async fn resolve(
        &mut self,
        attempt: u32,
        config: &Config,
    ) -> Result<(String, Config), Error> {
        match &mut self.0 {
            Kind::Url(url) => Ok((url.clone(), config.clone())),
            Kind::PerAttempt(make) => make.make(attempt, config.clone()).await,
        }
    }
}

impl From<&str> for Target {
    fn from(url: &str) -> Self {
        Self(Kind::Url(url.to_owned()))
    }
}

impl From<&String> for Target {
    fn from(url: &String) -> Self {
        Self(Kind::Url(url.clone()))
    }
}

impl From<String> for Target {
    fn from(url: String) -> Self {
        Self(Kind::Url(url))
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Url(url) => f
                .debug_tuple("Target")
                .field(&crate::redact::for_display(url))
                .finish(),
            Kind::PerAttempt(_) => f.write_str("Target(per attempt)"),
        }
    }
}
