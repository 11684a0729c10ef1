"""Many phrasings of every intent, for a rep, a manager and RevOps: the tools and key arguments chosen.

Names in the questions ({account}, {rep}…) come from the generated data (see ``Cast``), so the
table holds no name the planner could have been written for. Figures are checked in
``test_figures.py``; this file checks understanding: which tool, with which arguments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assistant.service import Answer
from tests.offline.conftest import Cast, World
from tools.viewer import Viewer

REP, MANAGER, REVOPS = "rep", "manager", "revops"

#: (persona, question, tool, key arguments) — "{…}" are filled from the cast; None: no tool at all.
#: Arguments equal to the tool's default (a forecast for "this quarter") are not recorded.
CASES: list[tuple[str, str, str | None, dict[str, Any]]] = [
    # stalled and at-risk deals
    (REP, "Which of my deals are stalled?", "stalled_deals", {}),
    (REP, "stalled deals", "stalled_deals", {}),
    (REP, "show me my at-risk deals", "stalled_deals", {}),
    (REP, "any deals going dark?", "stalled_deals", {"rule": "no_activity"}),
    (REP, "which deals have had their close date pushed", "stalled_deals", {"rule": "pushed"}),
    (REP, "stalld deals over 50k", "stalled_deals", {"min_amount": 50000}),
    (REP, "deals stuck in proposal", "stalled_deals", {"stage": "Proposal"}),
    (REP, "What needs my attention this week?", "stalled_deals", {}),
    (MANAGER, "Which deals on my team are stuck?", "stalled_deals", {}),
    (MANAGER, "{rep}'s stalled deals", "stalled_deals", {"owner": "{rep}"}),
    (
        MANAGER,
        "at risk deals for {rep_short} over $25,000",
        "stalled_deals",
        {"owner": "{rep}", "min_amount": 25000},
    ),
    (
        REVOPS,
        "at-risk deals in {territory} between 10k and 100k",
        "stalled_deals",
        {"territory": "{territory}", "min_amount": 10000, "max_amount": 100000},
    ),
    (REVOPS, "single-threaded deals", "stalled_deals", {"rule": "single_thread"}),
    # pipeline
    (REP, "What's my pipeline?", "pipeline_summary", {}),
    (REP, "pipeline by stage this quarter", "pipeline_summary", {"period": "this quarter"}),
    (REP, "how many open deals do I have", "pipeline_summary", {}),
    (REP, "pipline by month", "pipeline_summary", {"group_by": "month"}),
    (MANAGER, "pipeline by rep", "pipeline_summary", {"group_by": "owner"}),
    (
        MANAGER,
        "what's in {rep}'s funnel for next quarter",
        "pipeline_summary",
        {"owner": "{rep}", "period": "next quarter"},
    ),
    (REVOPS, "pipeline by territory", "pipeline_summary", {"group_by": "territory"}),
    (
        REVOPS,
        "open pipeline for Analytics Cloud in Q1 2027",
        "pipeline_summary",
        {"product": "Analytics Cloud", "period": "q1 2027"},
    ),
    (
        REVOPS,
        "deals in negotiation over 100k",
        "pipeline_summary",
        {"stage": "Negotiation", "min_amount": 100000},
    ),
    (
        REVOPS,
        "Security Shield pipeline in {territory}",
        "pipeline_summary",
        {"product": "Security Shield", "territory": "{territory}"},
    ),
    # the largest deals
    (REP, "what are my biggest deals?", "deal_details", {}),
    (REP, "top 3 deals closing this quarter", "pipeline_summary", {"period": "this quarter"}),
    (MANAGER, "list the largest 5 opportunities on my team", "deal_details", {}),
    # one deal
    (REP, "tell me about opportunity/{deal_id}", "deal_details", {"deal": "opportunity/{deal_id}"}),
    (REP, "deal {deal_id}", "deal_details", {"deal": "opportunity/{deal_id}"}),
    (REP, "what's happening with opportunity #{deal_id}?", "deal_details", {"deal": "opportunity/{deal_id}"}),
    # forecast
    (REP, "what's my forecast?", "forecast", {}),
    (REP, "will I hit my number this quarter?", "forecast", {}),
    (MANAGER, "team forecast for next quarter", "forecast", {"period": "next quarter"}),
    (MANAGER, "commit and best case for Q4", "forecast", {"period": "q4"}),
    (REVOPS, "forecast for {territory}", "forecast", {"territory": "{territory}"}),
    (REVOPS, "What's our gap to quota next quarter?", "forecast", {"period": "next quarter"}),
    (MANAGER, "forcast for {rep}", "forecast", {"owner": "{rep}"}),
    # performance
    (REP, "how am I doing last quarter?", "rep_performance", {"period": "last quarter"}),
    (REP, "what's my win rate this year?", "rep_performance", {"period": "this year"}),
    (MANAGER, "How is {rep_short} doing?", "rep_performance", {"rep": "{rep}"}),
    (
        MANAGER,
        "How much did {rep} win last quarter?",
        "rep_performance",
        {"rep": "{rep}", "period": "last quarter"},
    ),
    (MANAGER, "{rep} attainment YTD", "rep_performance", {"rep": "{rep}", "period": "ytd"}),
    (MANAGER, "how is my team doing?", "rep_performance", {"rep": "{rep}"}),
    (MANAGER, "who is behind on quota?", "query_metrics", {"measure": "attainment", "group_by": "rep"}),
    # compositions: the semantic layer's query
    (
        REVOPS,
        "won revenue by product this year",
        "query_metrics",
        {"measure": "won_revenue", "group_by": "product"},
    ),
    (MANAGER, "which product converts best?", "query_metrics", {"measure": "win_rate", "top": 1}),
    (REVOPS, "who has the most open deals?", "query_metrics", {"measure": "open_deals", "group_by": "rep"}),
    (REP, "how many deals did I lose last quarter?", "query_metrics", {"measure": "lost_deals"}),
    (REVOPS, "Q2 vs Q1 revenue", "query_metrics", {"period": "q2", "compare": "previous_period"}),
    # two periods that are not next to each other, or a whole year against a part: the other, named
    (REVOPS, "bookings q3 vs q1", "query_metrics", {"period": "q3", "compare": "q1"}),
    # "so far" is the days gone, set against the same days a year before
    (
        REVOPS,
        "nov bookings so far vs same month last yr",
        "query_metrics",
        {"period": "mtd", "compare": "last_year"},
    ),
    (REVOPS, "win rate q1-q3 by rep", "query_metrics", {"period": "q1-q3", "group_by": "rep"}),
    (REVOPS, "bookings by product trailing 12 months", "query_metrics", {"period": "trailing 12 months"}),
    # one period inside the other qualifies it: no comparison
    (REP, "top loss reasons on my deals in the first half of this yr", "query_metrics", {"period": "h1"}),
    # a span of days, set against the same days a year before
    (
        REVOPS,
        "for the board deck: bookings jan 1 thru today vs the same window last yr",
        "query_metrics",
        {"period": "jan 1 thru today", "compare": "last_year"},
    ),
    (REVOPS, "win rate this month vs march", "query_metrics", {"period": "this month", "compare": "march"}),
    (REVOPS, "revenue ytd vs all of last year", "query_metrics", {"period": "ytd", "compare": "last year"}),
    (REVOPS, "revenue ytd vs last year", "query_metrics", {"period": "ytd", "compare": "last_year"}),
    (REVOPS, "total revenue ytd vs last year", "query_metrics", {"compare": "last_year"}),
    (REP, "average deal size vs median", "query_metrics", {"also": ["median_deal_size"]}),
    (REVOPS, "leaderboard for 2026", "rep_performance", {"period": "2026"}),
    # a filter or comparison the scorecard would drop goes to the query
    (
        REVOPS,
        "Security Shield bookings this year",
        "query_metrics",
        {"measure": "won_revenue", "product": "Security Shield"},
    ),
    (
        REVOPS,
        "did we win more deals in Q3 than in Q2?",
        "query_metrics",
        {"measure": "won_deals", "period": "q3"},
    ),
    (REVOPS, "how much did we sell to healthcare companies?", "query_metrics", {"industry": "Healthcare"}),
    (REVOPS, "in one line: total won revenue this year", "query_metrics", {"measure": "won_revenue"}),
    (REVOPS, "win rate on deals of $50k or more this year", "query_metrics", {"min_amount": 50000}),
    (MANAGER, "win rate this quarter vs last", "query_metrics", {"compare": "previous_period"}),
    (
        REP,
        "how does Q4 compare with Q3 for me?",
        "query_metrics",
        {"period": "q4", "compare": "previous_period"},
    ),
    # deals ranked as a dimension; people counted
    (REP, "what were my 3 biggest wins this year?", "query_metrics", {"group_by": "deal", "top": 3}),
    (
        REVOPS,
        "what's the biggest deal we lost this year?",
        "query_metrics",
        {"measure": "lost_revenue", "top": 1},
    ),
    (
        REVOPS,
        "how many reps do we have in each territory?",
        "query_metrics",
        {"measure": "reps", "group_by": "territory"},
    ),
    (
        REVOPS,
        "who are the managers in {territory}?",
        "team_roster",
        {"job": "manager"},
    ),
    (MANAGER, "who's my best rep this quarter?", "query_metrics", {"group_by": "rep", "top": 1}),
    (
        REVOPS,
        "which rep has the shortest sales cycle?",
        "query_metrics",
        {"measure": "median_sales_cycle", "order": "asc"},
    ),
    # missing the number: each rep's pace to quota (booked + win-score-weighted pipeline)
    (MANAGER, "anyone on my team going to miss their number?", "quota_risk", {}),
    (
        REVOPS,
        "which 3 accounts brought in the most revenue this year?",
        "query_metrics",
        {"group_by": "account", "top": 3},
    ),
    # wording of rules, norms and periods
    (REP, "which deals haven't I touched in 3 weeks?", "stalled_deals", {"rule": "no_activity"}),
    (
        REVOPS,
        # the time asked for, not the stall rule's own threshold: more than 21 days is 22 or more
        "deals stuck in Negotiation for more than 3 weeks",
        "query_metrics",
        {"stage": "Negotiation", "min_days_in_stage": 22},
    ),
    (REP, "how often should I be touching a tier 1 account?", "search_playbook", {}),
    (MANAGER, "what's a healthy coverage ratio going into a quarter?", "search_playbook", {}),
    (REP, "what's the difference between cross-sell and upsell?", "search_playbook", {}),
    (REP, "whats my win rate lst quarter", "rep_performance", {"period": "last quarter"}),
    (REP, "how much did i win in novmber", "rep_performance", {"period": "november"}),
    (REP, "what have I got closing in March?", "pipeline_summary", {}),
    (REP, "do I have enough pipeline to cover my quota this quarter?", "forecast", {}),
    (REP, "my deals closing before end of month", "pipeline_summary", {"period": "this month"}),
    (REVOPS, "how did bookings trend month over month this year", "query_metrics", {"group_by": "month"}),
    (MANAGER, "which region is growing fastest", "query_metrics", {"compare": "previous_period"}),
    (REP, "send a recap to the {account} champion", None, {}),
    (REVOPS, "largest open deal in the company", "pipeline_summary", {}),
    (REP, "what changed since monday?", "pipeline_changes", {"since": "monday"}),
    (REP, "how many deals did I lose in Q2 and why", "query_metrics", {"group_by": "loss_reason"}),
    (
        MANAGER,
        "gimme the top 3 reps by wins, nothing else",
        "query_metrics",
        {"measure": "won_deals", "top": 3},
    ),
    (REVOPS, "which quarter was our best this year", "query_metrics", {"group_by": "quarter", "top": 1}),
    (REVOPS, "how many deals did we drop in Q3", "query_metrics", {"measure": "lost_deals"}),
    (REVOPS, "avg deal size enterprise vs smb", "query_metrics", {"group_by": "segment"}),
    (MANAGER, "who has the most deals stuck", "stalled_deals", {}),
    (MANAGER, "what KPIs should I track for my team", "search_playbook", {}),
    (MANAGER, "what % of pipeline is in commit", "query_metrics", {"group_by": "forecast_category"}),
    (MANAGER, "commit deals by rep", "query_metrics", {"forecast_category": "commit", "group_by": "rep"}),
    (REP, "deals i won in the last 30 days", "query_metrics", {"group_by": "deal", "measure": "won_revenue"}),
    (MANAGER, "which deals did we lose this quarter", "query_metrics", {"group_by": "deal"}),
    (MANAGER, "how much pipeline does each of my reps have", "pipeline_summary", {"group_by": "owner"}),
    (REVOPS, "what slice of bookings is Security Shield", "query_metrics", {"share_of_total": True}),
    (REP, "how many of my deals are in Proposal", "pipeline_summary", {"stage": "Proposal"}),
    (REP, "how many employees does {account} have?", "account_facts", {"account": "{account}"}),
    (MANAGER, "what's the parent company of {account}?", "account_facts", {"account": "{account}"}),
    (REP, "what has {account} bought from us?", "account_purchases", {"account": "{account}"}),
    (REVOPS, "which accounts have more than 10,000 employees?", "search_accounts", {"min_employees": 10000}),
    (
        REVOPS,
        "which account has the highest annual revenue?",
        "search_accounts",
        {"sort_by": "annual_revenue", "limit": 1},
    ),
    (MANAGER, "which accounts are subsidiaries of {account}?", "search_accounts", {"parent": "{account}"}),
    (REVOPS, "how much revenue did {account} generate this year?", "query_metrics", {"account": "{account}"}),
    (REP, "what's our discount policy", "search_playbook", {}),
    # members named loosely, or listed as the rows of the breakdown asked for
    (
        REVOPS,
        "bookings by territory ({territory} / {other_territory})",
        "query_metrics",
        {"measure": "won_revenue", "group_by": "territory"},
    ),
    # the forecast: its categories side by side, the deals of one category, each rep's forecast
    (MANAGER, "commit vs best case for deals closing in december", "forecast", {"period": "december"}),
    (MANAGER, "org forecast this quarter vs quota, what's the gap?", "forecast", {}),
    (REP, "what's in commit for me rn", "pipeline_summary", {"forecast_category": "commit"}),
    (REP, "which deals are in best case", "pipeline_summary", {"forecast_category": "best_case"}),
    (REP, "show me my commit deals", "pipeline_summary", {"forecast_category": "commit"}),
    # account search: revenue, shorthand, a product never bought
    (
        REVOPS,
        "accts with >$1B annual revenue in {territory}",
        "search_accounts",
        {"territory": "{territory}", "min_annual_revenue": 1000000000},
    ),
    (
        REP,
        "which of my accounts have never bought Premium Support",
        "search_accounts",
        {"without_product": "Premium Support"},
    ),
    (
        REP,
        "premium support whitespace in my book - who's never bought it?",
        "search_accounts",
        {"without_product": "Premium Support"},
    ),
    # a rebalance with the constraints said in the question
    (
        MANAGER,
        "rebalance {territory} but keep customers and at most 10 moves",
        "propose_rebalance",
        {"territory": "{territory}", "max_moves": 10, "keep_customers": True},
    ),
    # one deal named by its account, asked about: its details, not a pipeline breakdown
    (REP, "{account} deal - what stage is it in and how much", "deal_details", {}),
    (REP, "how much is the {account} deal worth", "deal_details", {}),
    # a threshold on each group's figure: only the groups above or below it
    (
        MANAGER,
        "who's under 50% attainment this quarter",
        "query_metrics",
        {"measure": "attainment", "group_by": "rep", "below": 0.5},
    ),
    (MANAGER, "reps w/ win rate under 60% ytd", "query_metrics", {"measure": "win_rate", "below": 0.6}),
    (
        MANAGER,
        "anyone on my team under 10 wins this year?",
        "query_metrics",
        {"measure": "won_deals", "below": 10},
    ),
    (REVOPS, "which products have a win rate over 25% this year", "query_metrics", {"above": 0.25}),
    (MANAGER, "who booked over 100k this quarter", "query_metrics", {"group_by": "rep", "above": 100000}),
    (MANAGER, "bookings over 100k by rep", "query_metrics", {"group_by": "rep", "min_amount": 100000}),
    # no compensation data: said plainly, never a scorecard instead
    (REP, "how much commission am I looking at this quarter", None, {}),
    (REP, "what's my OTE", None, {}),
    # measure words: days in a named stage, "win more often", opps with no real value
    (
        MANAGER,
        "avg days in negotiation by territory",
        "query_metrics",
        {"measure": "average_days_in_stage", "group_by": "territory", "stage": "Negotiation"},
    ),
    (REP, "which product do I win more often this year?", "query_metrics", {"measure": "win_rate"}),
    (
        REP,
        "median cycle length on Cobalt Platform deals i won ytd",
        "query_metrics",
        {"measure": "median_sales_cycle", "period": "ytd"},
    ),
    (
        REP,
        "how many of my open opps have no real deal value",
        "query_metrics",
        {"measure": "open_deals", "without_amount": True},
    ),
    # advice asked without "how do I": good questions to ask, a framework explained, what to say
    (REP, "good discovery questions for a first call with a manufacturing prospect?", "search_playbook", {}),
    (REP, "explain MEDDICC like i'm new, how do i use it to qualify", "search_playbook", {}),
    (REP, "walk me through BANT", "search_playbook", {}),
    (REP, "key questions to ask an economic buyer", "search_playbook", {}),
    (REP, "what do I say when they ask for a discount", "search_playbook", {}),
    (REVOPS, "explain win rate", None, {}),
    (REP, "when should I escalate a deal to my manager", "search_playbook", {}),
    (REP, "accounts I haven't touched in a month", "search_accounts", {"inactive_days": 30}),
    (REP, "too long, just give me my top 3 things to do this week", "stalled_deals", {"limit": 3}),
    (REVOPS, "how is {manager}'s team performing?", "rep_performance", {"rep": "{rep}"}),
    (REVOPS, "how is the {territory} team doing?", "rep_performance", {"rep": "{rep}"}),
    # accounts
    (REP, "tell me about {account}", "account_profile", {"account": "{account}"}),
    (REP, "brief me on {account} before my call", "account_profile", {"account": "{account}"}),
    (REP, "who are the contacts at {account}?", "account_profile", {"account": "{account}"}),
    (REP, "{account}?", "account_profile", {"account": "{account}"}),
    (REP, "account health of {account}", "account_profile", {"account": "{account}"}),
    (MANAGER, "What do we know about {account}", "account_profile", {"account": "{account}"}),
    (REP, "what else could {account} buy?", "account_whitespace", {"account": "{account}"}),
    (REP, "cross-sell for {account}", "account_whitespace", {"account": "{account}"}),
    (REP, "whitespace at {account}", "account_whitespace", {"account": "{account}"}),
    (MANAGER, "which products doesn't {account} own?", "account_whitespace", {"account": "{account}"}),
    (REP, "my top 5 accounts", "search_accounts", {"limit": 5}),
    (MANAGER, "which accounts have no open pipeline?", "search_accounts", {"has_open_pipeline": False}),
    (
        REVOPS,
        "healthcare accounts in {territory}",
        "search_accounts",
        {"industry": "Healthcare", "territory": "{territory}"},
    ),
    (
        REVOPS,
        "tier A accounts with potential over 1M",
        "search_accounts",
        {"tier": "A", "min_potential": 1000000},
    ),
    (MANAGER, "list our mid-market accounts", "search_accounts", {"segment": "Mid-Market"}),
    # territories
    (REVOPS, "list territories", "list_territories", {}),
    (REVOPS, "which territories are in the West?", "list_territories", {"region": "West"}),
    (MANAGER, "what territories do I have?", "list_territories", {}),
    (REP, "summarise my territory", "territory_summary", {}),
    (REVOPS, "how is {territory} doing?", "territory_summary", {"territory": "{territory}"}),
    (
        MANAGER,
        "coverage in {territory} next quarter",
        "territory_summary",
        {"territory": "{territory}", "period": "next quarter"},
    ),
    (MANAGER, "is my team balanced?", "territory_balance", {}),
    (REVOPS, "territory balance for {territory}", "territory_balance", {"territory": "{territory}"}),
    (REVOPS, "who has the most workload?", "territory_balance", {}),
    # the playbook
    (
        REP,
        "what does our playbook say about multi-threading?",
        "search_playbook",
        {"query": "multi-threading"},
    ),
    (
        REP,
        "how should I handle a deal that went dark?",
        "search_playbook",
        # the situation is searched under the stall rule's own name too
        {"query": "how should I handle a deal that went dark (no recent activity)"},
    ),
    (MANAGER, "best practices for territory design", "search_playbook", {}),
    (REVOPS, "any tips for running a pipeline review?", "search_playbook", {}),
    # everyday phrasings
    (REP, "what's closing this month?", "pipeline_summary", {"period": "this month"}),
    (REP, "how many deals did I win last quarter?", "rep_performance", {"period": "last quarter"}),
    (REP, "am I going to hit quota?", "forecast", {}),
    (REP, "what should I prioritise today?", "stalled_deals", {}),
    (MANAGER, "which deals should my team focus on this week?", "stalled_deals", {}),
    (REP, "summarise my book", "territory_summary", {}),
    (MANAGER, "who has the most stalled deals on my team?", "stalled_deals", {}),
    (REP, "who is my biggest customer?", "search_accounts", {}),
    (REP, "which accounts haven't I touched in 60 days?", "search_accounts", {"inactive_days": 60}),
    (MANAGER, "accounts with no activity in the last 3 weeks", "search_accounts", {"inactive_days": 21}),
    (REVOPS, "which accounts has nobody contacted?", "search_accounts", {"inactive_days": 60}),
    # a term asked about: the playbook is searched for the term as written
    (REP, "what's BANT?", "search_playbook", {"query": "BANT"}),
    (MANAGER, "what does MEDDICC stand for?", "search_playbook", {"query": "MEDDICC"}),
    (REVOPS, "define champion", "search_playbook", {"query": "champion"}),
    (REP, "what is a mutual action plan?", "search_playbook", {"query": "mutual action plan"}),
    # plans: drafted by the plan tools
    (REP, "draft an account plan for {account}", "account_plan", {"account": "{account}"}),
    (MANAGER, "territory plan for {territory}", "territory_plan", {"territory": "{territory}"}),
    # an open stage or a forecast category named alone: the deals in it
    (REP, "whats in negotiation for me right now", "pipeline_summary", {"stage": "Negotiation"}),
    (REP, "anything sitting in proposal?", "pipeline_summary", {"stage": "Proposal"}),
    (MANAGER, "what does {rep} have in discovery", "pipeline_summary", {"stage": "Discovery"}),
    # set against the quota: attainment; the pipeline set against it: coverage
    (MANAGER, "how is {rep_short} doing against quota", "query_metrics", {"measure": "attainment"}),
    (REVOPS, "bookings vs target by rep this quarter", "query_metrics", {"measure": "attainment"}),
    (MANAGER, "which reps are tracking against plan", "query_metrics", {"measure": "attainment"}),
    (REVOPS, "pipeline vs quota by territory", "query_metrics", {"measure": "coverage"}),
    # a breakdown only the metric query gives, asked with an outcome word alone; plural "which": all, ranked
    (
        MANAGER,
        "which industries do we win most in",
        "query_metrics",
        {"measure": "won_revenue", "group_by": "industry"},
    ),
    (REVOPS, "which segments do we lose most often", "query_metrics", {"group_by": "segment"}),
    # "vs last year" is the base of the comparison, not the period
    (
        REVOPS,
        "which product family grew the most vs last year",
        "query_metrics",
        {"group_by": "product_family", "compare": "last_year"},
    ),
    (
        REP,
        "win rate compared to last quarter",
        "query_metrics",
        {"measure": "win_rate", "period": "this quarter", "compare": "previous_period"},
    ),
    # a role named "sales …" is not a sale; "the most <stage> deals" counts open deals
    (
        MANAGER,
        "which sales rep has the most proposal deals",
        "query_metrics",
        {"measure": "open_deals", "group_by": "rep", "stage": "Proposal"},
    ),
    (
        REVOPS,
        "which manager has the fewest deals",
        "query_metrics",
        {"measure": "open_deals", "group_by": "team"},
    ),
    # days in a stage, said as deals sitting or staying there
    (
        REVOPS,
        "what's the average number of days deals sit in proposal",
        "query_metrics",
        {"measure": "average_days_in_stage", "stage": "Proposal"},
    ),
    (
        MANAGER,
        "how long do our deals stay in negotiation",
        "query_metrics",
        {"measure": "average_days_in_stage"},
    ),
    # a breakdown the data does not have is said, not dropped (the answer checks the wording)
    (REVOPS, "pipeline created by lead source this year", "query_metrics", {"measure": "pipeline_created"}),
    # deals whose amount is unknown
    (REVOPS, "how many open deals have no amount", "query_metrics", {"without_amount": True}),
    (
        MANAGER,
        "open opps missing a deal value",
        "query_metrics",
        {"without_amount": True, "measure": "open_deals"},
    ),
    # the accounts' country
    (REVOPS, "bookings by country this year", "query_metrics", {"group_by": "country"}),
    (
        REVOPS,
        "how much did we sell in the US vs the rest of the world",
        "query_metrics",
        {"group_by": "country", "share_of_total": True},
    ),
    # "per month" after an outcome word is a breakdown ("won by my team" is not)
    (
        MANAGER,
        "number of deals won per month in 2026",
        "query_metrics",
        {"measure": "won_deals", "group_by": "month"},
    ),
    # rolling windows of quarters and years, in words or digits
    (REVOPS, "bookings by quarter for the last two years", "query_metrics", {"period": "last two years"}),
    (REVOPS, "win rate over the past 3 quarters", "query_metrics", {"period": "past 3 quarters"}),
    # a deal's value said as its close, contract or sale value or price
    (
        REVOPS,
        "what's the average close value for won deals",
        "query_metrics",
        {"measure": "average_deal_size"},
    ),
    (MANAGER, "median contract value this year", "query_metrics", {"measure": "median_deal_size"}),
    (REVOPS, "win rate by product series", "query_metrics", {"group_by": "product_family"}),
    # "best customer", "top clients": ranked by what they bought
    (REVOPS, "which account has been our best customer", "query_metrics", {"group_by": "account", "top": 1}),
    (MANAGER, "our most valuable customers this year", "query_metrics", {"group_by": "account"}),
    # pipeline added is pipeline created
    (
        MANAGER,
        "how much pipeline did each rep add last month",
        "query_metrics",
        {"measure": "pipeline_created"},
    ),
    # a region named with a measure is the query's filter, not a question about which territory
    (REVOPS, "whats the weighted pipline for the east region", "query_metrics", {"region": "East"}),
    # a recorded loss reason, named in a question about losses
    (
        MANAGER,
        "how many deals has the team lost to no decision this year",
        "query_metrics",
        {"loss_reason": "No decision"},
    ),
    (
        REVOPS,
        "how much did we lose to competitors last quarter",
        "query_metrics",
        {"loss_reason": "Lost to competitor"},
    ),
    (REVOPS, "which reps lose most on price", "query_metrics", {"loss_reason": "Price", "group_by": "rep"}),
    # "what's the <measure>" asks for the figure; "what is <measure>" for the definition (below)
    (REVOPS, "what's the win rate", "query_metrics", {"measure": "win_rate"}),
    (REVOPS, "what's the average sale price", "query_metrics", {"measure": "average_deal_size"}),
    # accounts lacking a product, subsidiaries, and a company's age (not a period)
    (
        REP,
        "which customers haven't bought security shield yet",
        "search_accounts",
        {"without_product": "Security Shield"},
    ),
    (
        MANAGER,
        "accounts that don't have Analytics Cloud",
        "search_accounts",
        {"without_product": "Analytics Cloud"},
    ),
    (REVOPS, "how many accounts are subsidiaries", "search_accounts", {"is_subsidiary": True}),
    (REVOPS, "which accounts were established before 1990", "search_accounts", {"established_before": 1990}),
    (REVOPS, "companies founded after 2010 in healthcare", "search_accounts", {"established_after": 2010}),
    # what is left to win is a figure, not a question for the playbook
    (REP, "how much more do I need to close to hit quota", "forecast", {}),
    # "for each of my reps" is a breakdown; "lifetime" and "ever" are all time; "the quarter before"
    (MANAGER, "what's the total pipeline for each of my reps", "pipeline_summary", {"group_by": "owner"}),
    (REVOPS, "top 10 accounts by lifetime bookings", "query_metrics", {"period": "lifetime", "top": 10}),
    (REP, "what's my biggest deal ever", "query_metrics", {"measure": "won_revenue", "group_by": "deal"}),
    (
        REVOPS,
        "how much did Security Shield sell last quarter vs the quarter before",
        "query_metrics",
        {"period": "last quarter", "compare": "previous_period"},
    ),
    (
        REVOPS,
        "which product do we win most often",
        "query_metrics",
        {"measure": "won_deals", "group_by": "product"},
    ),
    # a stall rule said as a negation, and "30+ days" is a time, not an amount
    (REP, "which of my opps havent had any activity in 30+ days", "stalled_deals", {"rule": "no_activity"}),
    (MANAGER, "which reps have the most stalled deals", "stalled_deals", {}),
    # typos in longer words and run-together keywords
    (REVOPS, "winrate by secter", "query_metrics", {"measure": "win_rate", "group_by": "industry"}),
    (
        REVOPS,
        "avg days in each stage for won deals this year",
        "query_metrics",
        {"measure": "average_days_in_stage"},
    ),
    (REVOPS, "avg days from engage to close by region", "query_metrics", {"measure": "average_sales_cycle"}),
    (REVOPS, "compare managers by total won revenue", "query_metrics", {"group_by": "team"}),
    (
        MANAGER,
        "who has the biggest gap to quota right now",
        "query_metrics",
        {"measure": "attainment", "order": "asc"},
    ),
    (
        REVOPS,
        "list enterprise accounts in Manufacturing with no open opps",
        "search_accounts",
        {"industry": "Manufacturing", "has_open_pipeline": False},
    ),
    (MANAGER, "who approves discounts over 20%?", "search_playbook", {}),
    # the accounts themselves counted, broken down; a plain count is the account search's
    (
        REVOPS,
        "how many accounts do we have in each industry",
        "query_metrics",
        {"measure": "accounts", "group_by": "industry"},
    ),
    (
        REVOPS,
        "account counts by territory",
        "query_metrics",
        {"measure": "accounts", "group_by": "territory"},
    ),
    (REVOPS, "how many accounts have no open pipeline", "search_accounts", {"has_open_pipeline": False}),
    # accounts that never bought, or that are customers
    (REP, "which healthcare accounts have never bought anything", "search_accounts", {"has_bought": False}),
    (REVOPS, "list our existing customers in manufacturing", "search_accounts", {"has_bought": True}),
    # deals named by their state beat a category named; the category narrows them
    (
        MANAGER,
        "any at risk deals in commit i should worry about",
        "stalled_deals",
        {"forecast_category": "commit"},
    ),
    # "are the territories balanced?" is the workload balance even when measures are named
    (
        REVOPS,
        "are the territories balanced? compare account counts and open pipeline",
        "territory_balance",
        {},
    ),
    # a forecast is a person's: an unknown name in it is a person
    (MANAGER, "is Zed Quarry on track?", "forecast", {"owner": "Zed Quarry"}),
    # a product family named as such, not the products whose names it begins
    (REVOPS, "bookings from the Platform family this year", "query_metrics", {"product_family": "Platform"}),
    # whom to contact or what to close out is the stalled list, not a count of calls or losses
    (REP, "who should I call first today", "stalled_deals", {}),
    (REP, "any deals I should close out as lost", "stalled_deals", {}),
    # coaching is about who is furthest from their number; the most accounts counts accounts
    (MANAGER, "who needs coaching on my team", "query_metrics", {"measure": "attainment", "order": "asc"}),
    (
        REVOPS,
        "which territory has the most accounts",
        "query_metrics",
        {"measure": "accounts", "group_by": "territory"},
    ),
    # no tool: definitions, help, small talk, refusals, nonsense
    (REP, "what does win rate mean?", None, {}),
    (MANAGER, "how is pipeline coverage calculated?", None, {}),
    (REP, "what is pipeline coverage?", None, {}),
    (MANAGER, "define gap to quota", None, {}),
    (REP, "what's up?", None, {}),
    (REP, "what can you do?", None, {}),
    (REP, "help", None, {}),
    (MANAGER, "hi", None, {}),
    (REVOPS, "thanks!", None, {}),
    (REP, "what's the weather in Paris?", None, {}),
    (MANAGER, "write me a poem about quotas", None, {}),
    (REP, "asdf qwerty zxcv", None, {}),
    # what the data cannot answer yet is said, not answered with another figure
    (MANAGER, "what is the conversion rate from proposal to negotiation", None, {}),
    (REVOPS, "stage conversion rates this year", None, {}),
    (MANAGER, "is anyone on my team sandbagging?", None, {}),
    (MANAGER, "what % of our deals close within 90 days", None, {}),
    (REVOPS, "whats our ARR growth yoy", None, {}),
    (REVOPS, "what's our CAC payback period", None, {}),
    (MANAGER, "can you approve Kenji's PTO for next week", None, {}),
    (REVOPS, "export all closed lost deals with reason No decision to a csv", None, {}),
    (MANAGER, "schedule a team pipeline review for monday", None, {}),
    (REVOPS, "what's the average number of contacts per deal", None, {}),
    (REVOPS, "new logos this yr - how many", None, {}),
    (REVOPS, "avg discount on won deals this yr?", None, {}),
    (MANAGER, "what was our forecast accuracy last qtr", None, {}),
    (MANAGER, "how many new customers did my team land in q3", None, {}),
    (REVOPS, "how many support tickets does Globex have open right now", None, {}),
]


def _persona(cast: Cast, persona: str) -> Viewer:
    return {REP: cast.rep, MANAGER: cast.manager, REVOPS: cast.revops}[persona]


def _matches(given: dict[str, Any], expected: dict[str, Any]) -> bool:
    for key, value in expected.items():
        if key not in given:
            return False
        if isinstance(value, int | float) and not isinstance(value, bool):
            if Decimal(str(given[key])) != Decimal(str(value)):
                return False
        elif given[key] != value:
            return False
    return True


def called(answer: Answer, tool: str, expected: dict[str, Any]) -> bool:
    return any(c.name == tool and _matches(c.args, expected) for c in answer.tool_calls)


@pytest.mark.parametrize(("persona", "question", "tool", "args"), CASES, ids=[c[1] for c in CASES])
def test_question_calls_the_right_tool(
    demo: World, cast: Cast, persona: str, question: str, tool: str | None, args: dict[str, Any]
) -> None:
    answer = demo.ask(_persona(cast, persona), cast.fill(question))
    assert answer.model == "offline" and answer.answer
    if tool is None:
        assert answer.tool_calls == [], answer.tool_calls
        return
    expected = {k: cast.fill(v) if isinstance(v, str) else v for k, v in args.items()}
    assert called(answer, tool, expected), (answer.tool_calls, answer.answer)
    assert "error" not in answer.answer.lower()[:40]


def test_there_are_enough_questions() -> None:
    assert len(CASES) >= 80
    assert {c[0] for c in CASES} == {REP, MANAGER, REVOPS}


def test_the_forecast_by_rep_is_each_reps_forecast_side_by_side(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "forecast by rep this quarter")
    owners = [c.args.get("owner") for c in answer.tool_calls]
    assert {c.name for c in answer.tool_calls} == {"forecast"} and len(owners) > 1
    assert cast.rep.name in owners and None not in owners
    assert "| Rep | Closed won | Commit | Best case | Quota | Attained |" in answer.answer
    assert answer.answer.count(f"| {cast.rep.name} |") == 1


def test_a_bound_on_another_figure_is_never_read_as_a_bound_on_the_rate(demo: World, cast: Cast) -> None:
    """ "(ignore anyone with fewer than 10 closed)" beside a win rate is not "a win rate below 10%"."""
    answer = demo.ask(
        cast.manager, "bottom 3 reps by win rate this year (ignore anyone with fewer than 10 closed)"
    )
    [call] = answer.tool_calls
    assert call.args["measure"] == "win_rate" and "below" not in call.args and "above" not in call.args
