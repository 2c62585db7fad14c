"""Campaigns: fuse the significant co-action layers into one account graph and find communities."""

from botwatch.campaigns.assemble import CAMPAIGN_PARAMETERS, assemble_campaigns

__all__ = ["CAMPAIGN_PARAMETERS", "assemble_campaigns"]
