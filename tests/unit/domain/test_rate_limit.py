"""GCRA admits a burst, then the average rate, and says how long to wait."""

from app.domain.rate_limit import Limit, decide

S = 1_000_000  # microseconds


def _run(limit: Limit, seconds: list[float]) -> list[bool]:
    tat, answers = None, []
    for now in seconds:
        decision = decide(limit, tat, round(now * S))
        tat = decision.tat_us
        answers.append(decision.allowed)
    return answers


def test_a_burst_is_admitted_then_refused():
    assert _run(Limit(rate=10, burst=3), [0.0] * 4) == [True, True, True, False]


def test_refusal_says_when_the_next_request_fits():
    limit = Limit(rate=10, burst=2)
    tat = decide(limit, None, 0).tat_us
    tat = decide(limit, tat, 0).tat_us
    refused = decide(limit, tat, 0)
    assert not refused.allowed
    assert refused.retry_after_us == S // 10
    assert decide(limit, refused.tat_us, S // 10).allowed


def test_the_average_rate_holds_over_time():
    seconds = [i * 0.05 for i in range(200)]  # 20 requests a second for 10 s
    admitted = sum(_run(Limit(rate=10, burst=5), seconds))
    assert 100 <= admitted <= 106


def test_an_idle_key_regains_its_whole_burst():
    limit = Limit(rate=1, burst=3)
    answers = _run(limit, [0, 0, 0, 0, 10, 10, 10, 10])
    assert answers == [True, True, True, False, True, True, True, False]
