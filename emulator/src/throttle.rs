//! `x-oss-traffic-limit` (fact sheet §11.9): a bandwidth cap for one transfer, in bits per second,
//! given as a header or as a (signed) query parameter of a presigned URL. The emulator enforces
//! it as OSS does, by pacing the body: uploads are read, downloads written, no faster than the
//! cap, so a test of throttled code sees real durations.

use std::time::Duration;

use oss_protocol::headers::TRAFFIC_LIMIT;

use crate::error::{Code, OssError, Result};

/// 100 KB/s and 100 MB/s, in bits per second.
const MIN_BPS: u64 = 819_200;
const MAX_BPS: u64 = 838_860_800;

/// A validated cap, in bits per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficLimit(u64);

impl TrafficLimit {
    /// The cap a request asks for, from its header or its query (not both).
    pub fn requested(headers: &http::HeaderMap, query: &[(String, String)]) -> Result<Option<TrafficLimit>> {
        let header = headers.get(TRAFFIC_LIMIT).map(|v| v.to_str().unwrap_or_default().trim().to_owned());
        let param = query.iter().find(|(n, _)| n == TRAFFIC_LIMIT).map(|(_, v)| v.trim().to_owned());
        let raw = match (header, param) {
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(OssError::new(Code::InvalidArgument)
                    .message("x-oss-traffic-limit should be specified either in query string or header, not both."))
            }
            (Some(raw), None) | (None, Some(raw)) => raw,
        };
        match raw.parse::<u64>() {
            Ok(bps) if (MIN_BPS..=MAX_BPS).contains(&bps) => Ok(Some(TrafficLimit(bps))),
            _ => Err(OssError::invalid_argument(
                "x-oss-traffic-limit is invalid, should be specified between 819200(100KB/s) and 838860800(100MB/s).",
                TRAFFIC_LIMIT,
                &raw,
            )),
        }
    }

    /// How long `bytes` take at this cap.
    pub fn duration_of(self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.0 as f64)
    }
}

/// A body paced to `limit`: the fault injector's throttle, which cuts data frames in slices of a
/// tenth of a second's worth and lets each through on schedule.
pub fn paced<B>(body: B, limit: TrafficLimit) -> crate::fault::FaultyBody<B> {
    crate::fault::FaultyBody::new(body, crate::fault::BodyFault::Throttle(limit.0 / 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(header: Option<&str>, param: Option<&str>) -> Result<Option<TrafficLimit>> {
        let mut headers = http::HeaderMap::new();
        if let Some(v) = header {
            headers.insert(TRAFFIC_LIMIT, v.parse().unwrap());
        }
        let query: Vec<(String, String)> =
            param.map(|v| (TRAFFIC_LIMIT.to_owned(), v.to_owned())).into_iter().collect();
        TrafficLimit::requested(&headers, &query)
    }

    #[test]
    fn the_cap_is_bounded_and_given_once() {
        assert_eq!(ask(None, None).unwrap(), None);
        assert_eq!(ask(Some("819200"), None).unwrap(), Some(TrafficLimit(819_200)));
        assert_eq!(ask(None, Some("838860800")).unwrap(), Some(TrafficLimit(838_860_800)));
        for bad in ["819199", "838860801", "x", ""] {
            assert_eq!(ask(Some(bad), None).unwrap_err().code, Code::InvalidArgument, "{bad}");
        }
        assert!(ask(Some("819200"), Some("819200")).unwrap_err().message.contains("not both"));
    }

    #[tokio::test]
    async fn a_paced_body_takes_its_time_and_keeps_its_bytes() {
        use bytes::Bytes;
        use http_body_util::BodyExt;
        use tokio::time::Instant;
        // 20 KiB at 100 KiB/s: two slices' worth, 200 ms.
        let limit = TrafficLimit(819_200);
        let data = Bytes::from(vec![7u8; 20_480]);
        let body = http_body_util::Full::new(data.clone()).map_err(|never| -> std::io::Error { match never {} });
        let started = Instant::now();
        let got = paced(body, limit).collect().await.unwrap().to_bytes();
        assert_eq!(got, data);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(200), "{took:?}");
    }
}
