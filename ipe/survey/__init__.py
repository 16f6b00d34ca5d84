"""The broad phase: a national survey of MASH, scored and placed on the risk↔needs spectrum.

A survey file (CSV or Excel) has one row per local authority (LA). A *survey map* (YAML) says which columns are
closed questions (``yesno``, ``likert``, ``choice``), how each is scored, which of them make up the "needs and
planning" scale, and which columns are free text. Import stores the closed answers (``store.replace_survey``) and
turns each free-text answer into a source (data type ``survey``) that can be coded like any transcript.

- :mod:`ipe.survey.map`: the survey map, loaded and validated;
- :mod:`ipe.survey.read`: a survey file read and checked against the map (no store);
- :mod:`ipe.survey.spectrum`: scoring and the spectrum, pure functions over DataFrames, and the survey tables;
- :mod:`ipe.survey.stored`: the survey in a project: import, the stored map, the spectrum, case links.

The spectrum chart is the ``spectrum`` exporter (:mod:`ipe.exporters.spectrum`); :mod:`ipe.findings` writes the
survey's reports.
"""

from ipe.survey.map import (
    MODELS,
    SURVEY_FILE,
    SURVEY_MAP,
    UNPLACED,
    Item,
    SurveyError,
    SurveyMap,
    SurveyMapError,
    check_answer,
    load_map,
    loads_map,
)
from ipe.survey.read import ImportSummary, parse_survey, read_table
from ipe.survey.spectrum import (
    Spectrum,
    classify,
    cronbach_alpha,
    parse_links,
    parse_thresholds,
    place,
    score_item,
    spectrum_tables,
)
from ipe.survey.stored import import_survey, link_cases, spectrum, stored_map

__all__ = [
    "MODELS", "UNPLACED", "SURVEY_FILE", "SURVEY_MAP", "SurveyError", "SurveyMapError", "Item", "SurveyMap",
    "ImportSummary", "Spectrum", "load_map", "loads_map", "check_answer", "read_table", "parse_survey",
    "import_survey", "stored_map", "score_item", "cronbach_alpha", "classify", "parse_thresholds", "parse_links",
    "place", "spectrum", "spectrum_tables", "link_cases",
]
