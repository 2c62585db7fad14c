"""Account scores with the evidence behind every flag."""

from botwatch.scoring.score import SCORING_PARAMETERS, score_accounts

__all__ = ["SCORING_PARAMETERS", "score_accounts"]
