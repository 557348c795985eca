use super::*;
use crate::time::parse_iso;

fn at(iso: &str, offset: i32) -> LocalBuckets {
    LocalBuckets::at(parse_iso(iso).unwrap(), offset)
}

#[test]
fn a_late_evening_call_west_of_utc_is_in_the_local_day_and_hour() {
    // 2024-01-16 04:30 UTC is Monday 2024-01-15 23:30 in New York (UTC-5).
    let b = at("2024-01-16T04:30:00.000Z", -300);
    assert_eq!(b.day, "2024-01-15");
    assert_eq!(b.week, "2024-01-15");
    assert_eq!(b.month, "2024-01");
    assert_eq!((b.slot, b.hour), (23, 23));
    // The same instant in UTC is Tuesday 04:xx.
    let utc = at("2024-01-16T04:30:00.000Z", 0);
    assert_eq!(
        (utc.day.as_str(), utc.slot, utc.hour),
        ("2024-01-16", 24 + 4, 4)
    );
}

#[test]
fn weeks_are_named_by_their_monday_across_a_month_and_a_year() {
    // Sunday 2023-12-31 belongs to the week of Monday 2023-12-25.
    assert_eq!(at("2023-12-31T12:00:00.000Z", 0).week, "2023-12-25");
    assert_eq!(at("2023-12-31T12:00:00.000Z", 0).slot, 6 * 24 + 12);
    // East of UTC the same instant can be Monday already.
    let tokyo = at("2024-01-07T20:00:00.000Z", 540);
    assert_eq!(
        (tokyo.day.as_str(), tokyo.week.as_str()),
        ("2024-01-08", "2024-01-08")
    );
    assert_eq!(tokyo.slot, 5);
}

#[test]
fn offsets_are_whole_minutes_within_fourteen_hours() {
    assert_eq!(check_utc_offset(-840.0), Ok(-840));
    assert_eq!(check_utc_offset(345.0), Ok(345));
    for bad in [841.0, -841.0, 60.5, f64::NAN, f64::INFINITY] {
        let err = check_utc_offset(bad).unwrap_err();
        assert!(err.0.contains("utcOffsetMin"), "{err}");
    }
}

#[test]
fn dates_are_strict() {
    assert!(parse_date("from", "2024-02-29").is_ok());
    for bad in [
        "2023-02-29",
        "2024-1-05",
        "1969-12-31",
        "2024-01-15T00:00:00Z",
        "",
        "2024/01/15",
    ] {
        let err = parse_date("from", bad).unwrap_err();
        assert!(err.0.starts_with("from must be a date"), "{bad}: {err}");
    }
}

#[test]
fn ranges_cover_every_bucket_that_meets_them() {
    let day = buckets_between(Granularity::Day, "2024-02-27", "2024-03-01").unwrap();
    assert_eq!(
        day,
        ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]
    );
    // Wednesday to the next Tuesday: two weeks.
    let week = buckets_between(Granularity::Week, "2024-01-10", "2024-01-16").unwrap();
    assert_eq!(week, ["2024-01-08", "2024-01-15"]);
    let month = buckets_between(Granularity::Month, "2023-11-30", "2024-01-01").unwrap();
    assert_eq!(month, ["2023-11", "2023-12", "2024-01"]);
    assert_eq!(
        buckets_between(Granularity::Day, "2024-01-01", "2024-01-01")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn ranges_are_bounded_and_ordered() {
    // 2024 is a leap year: 366 days fit, 367 do not.
    assert_eq!(
        buckets_between(Granularity::Day, "2024-01-01", "2024-12-31")
            .unwrap()
            .len(),
        366
    );
    let err = buckets_between(Granularity::Day, "2024-01-01", "2025-01-01").unwrap_err();
    assert!(err.0.contains("more than 366 days"), "{err}");
    let err = buckets_between(Granularity::Day, "2024-01-02", "2024-01-01").unwrap_err();
    assert!(err.0.contains("is after"), "{err}");
    assert_eq!(
        buckets_between(Granularity::Month, "1970-01-01", "2000-06-30")
            .unwrap()
            .len(),
        366
    );
    assert!(buckets_between(Granularity::Month, "1970-01-01", "2000-07-01").is_err());
    assert!(buckets_between(Granularity::Week, "9999-12-01", "9999-12-31").is_ok());
}

#[test]
fn granularity_names() {
    for g in Granularity::ALL {
        assert_eq!(Granularity::parse(g.as_str()), Ok(g));
    }
    assert!(Granularity::parse("Day").unwrap_err().0.contains("\"day\""));
}

#[test]
fn rounding_matches_js() {
    assert_eq!(round2(2.0 / 3.0), 0.67);
    assert_eq!(round2(0.125), 0.13);
    assert_eq!(mean2(7.0, 2.0), Some(3.5));
    assert_eq!(mean2(1.0, 0.0), None);
}
