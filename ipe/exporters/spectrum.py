"""The survey's spectrum chart (PNG): each local authority's score as a point, the three model bands shaded, the
case-study sites' own dots ringed and labelled below the strip; byte-identical for one spectrum."""

from pathlib import Path

FORMAT = "png"
SUFFIX = ".png"
KIND = "spectrum"

# By band, low to high score (the order of ipe.survey.map.MODELS).
BAND_COLOURS = ("#f4c7c3", "#fce8b2", "#b7e1cd")
POINT_COLOURS = ("#c0392b", "#b7950b", "#1e8449")


def write(spec, path: Path, title: str = "") -> list[Path]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Imported here: ipe.survey pulls in the spaCy coder, which a command that only lists formats should not load.
    from ipe.survey.map import MODELS

    band_colours, point_colours = dict(zip(MODELS, BAND_COLOURS)), dict(zip(MODELS, POINT_COLOURS))

    path = Path(path)
    low, high = spec.thresholds
    fig = Figure(figsize=(9, 3.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for model, (start, end) in zip(MODELS, ((0.0, low), (low, high), (high, 1.0))):
        ax.axvspan(start, end, color=band_colours[model], zorder=0, lw=0)
        ax.text((start + end) / 2, 1.04, model, ha="center", va="bottom", fontsize=9)
    placed = spec.table.dropna(subset=["score"]).sort_values(["score", "la"]).reset_index(drop=True)
    # A deterministic jitter (golden-ratio sequence over the sorted LAs) keeps equal scores apart.
    jitter = [0.1 + 0.8 * ((i * 0.6180339887) % 1.0) for i in range(len(placed))]
    for model in MODELS:
        mask = placed["model"] == model
        ax.scatter(placed.loc[mask, "score"], [j for j, m in zip(jitter, mask) if m], s=18,
                   color=point_colours[model], edgecolor="white", linewidth=0.4, zorder=3)
    # Each case-study authority's own dot is ringed, and its label sits below the strip, joined to the dot by a
    # line, so a label never covers another authority's dot.
    cases = sorted(((row["score"], i, row) for i, row in placed.iterrows() if row["case"]), key=lambda t: t[:2])
    spots: list = []
    for score, _, _ in cases:  # under its dot, but at least 0.16 from the label before
        spots.append(max(score, spots[-1] + 0.16) if spots else score)
    shift = max(0.0, spots[-1] - 0.97) if spots else 0.0
    for (score, i, row), x in zip(cases, spots):
        ax.scatter([score], [jitter[i]], s=110, facecolor="none", edgecolor="black", linewidth=1.4, zorder=4)
        ax.annotate(f"{row['case']} ({row['la']})", (score, jitter[i]), xytext=(x - shift, -0.1),
                    textcoords=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8, fontweight="bold",
                    zorder=5, arrowprops=dict(arrowstyle="-", color="black", lw=0.6, shrinkA=0, shrinkB=5))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.15)
    ax.set_yticks([])
    ax.set_xlabel("needs-and-planning score (0 = risk assessment only, 1 = needs assessment and planning)",
                  labelpad=18)
    ax.xaxis.set_ticks_position("none")
    unplaced = len(spec.table) - len(placed)
    ax.set_title(f"MASH on the risk–needs spectrum: {len(placed)} local authorities placed, {unplaced} unplaced",
                 fontsize=10, pad=18)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    return [path]
