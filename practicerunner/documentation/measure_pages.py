"""A case's Measures screen (/cases/<id>/measures): PHQ-9, GAD-7 and PCL-5 scores over time,
shaded by severity band, the results newest first, open safety flags with Acknowledge, and
"Record a measure" with the instruments' own wording."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import empty_note
from practicerunner.documentation.measure_state import MeasuresState
from practicerunner.documentation.record_layout import case_record_header, consultation_note
from practicerunner.ui.components import field_error, loading, not_found_panel, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CLIENTS

# The route argument is case_id; the state keeps the id as `current_case`.
MEASURES_PAGE = "/cases/[case_id]/measures"
# Typed as Any like the other pages: state vars are Vars at compile time.
M: Any = MeasuresState

MUTED = rx.color("gray", 11)
CHART_HEIGHT = 300

# The questionnaire as printed: the item on the left, one column per answer, each radio in a
# cell that is all clickable. Scoped styles here rather than in the shared stylesheet.
ITEMS_STYLE = {
    "width": "100%",
    "border_collapse": "collapse",
    "& th, & td": {"padding": "8px", "border_bottom": f"1px solid {rx.color('gray', 4)}"},
    "& thead th": {"font_weight": "400", "vertical_align": "bottom", "width": "96px"},
    "& thead th:first-of-type": {"text_align": "left", "width": "auto", "padding_left": "0"},
    "& tbody th": {"text_align": "left", "font_weight": "400", "padding_left": "0"},
    "& tbody tr:hover": {"background": rx.color("gray", 2)},
    "& tbody tr.pr-item-invalid": {"background": rx.color("red", 2)},
    "& .pr-radio-cell": {
        "display": "flex",
        "justify_content": "center",
        "align_items": "center",
        "min_height": "36px",
        "cursor": "pointer",
    },
}
RADIO_STYLE = {"width": "18px", "height": "18px", "accent_color": rx.color("teal", 9)}
FIELDSET_STYLE = {"border": "none", "padding": "0", "margin": "0", "min_width": "0"}


# ---- the charts ---------------------------------------------------------------------------

# The time axis carries UTC midnights (measure_state.chart_time): read them back in UTC.
SHORT_DAY_JS = (
    "(value) => new Date(value).toLocaleDateString('en-US', "
    "{month: 'short', day: 'numeric', timeZone: 'UTC'})"
)
# "11 · Moderate": a score with the severity band the row carries beside it (`{key}_band`).
SCORE_JS = (
    "(value, name, item) => [item && item.payload && item.payload[item.dataKey + '_band'] "
    "? value + ' · ' + item.payload[item.dataKey + '_band'] : value, name]"
)
FULL_DAY_JS = (
    "(value) => new Date(value).toLocaleDateString('en-US', "
    "{weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC'})"
)


def _band_area(band: Any) -> rx.Component:
    return rx.recharts.reference_area(
        rx.recharts.label(
            value=band["label"],
            position="right",
            # Handed to the SVG text as they are (Reflex would make them a wrapper style).
            custom_attrs={"fill": MUTED, "fontSize": 12},
        ),
        y1=band["y1"],
        y2=band["y2"],
        fill=band["fill"],
        fill_opacity=0.9,
        stroke="none",
        if_overflow="hidden",
    )


def _line(series: Any) -> rx.Component:
    return rx.recharts.line(
        data_key=series["key"],
        name=series["name"],
        stroke=series["colour"],
        stroke_width=2,
        type_="linear",
        dot={"r": 4, "strokeWidth": 2, "fill": rx.color("gray", 1)},
        active_dot={"r": 6},
        connect_nulls=True,
        is_animation_active=False,
    )


def _flag_ring(point: Any) -> rx.Component:
    """A red ring round a result that raised a safety flag (drawn over the line's dot)."""
    return rx.recharts.reference_dot(
        x=point["t"],
        y=point["total"],
        r=8,
        fill="none",
        stroke=rx.color("red", 9),
        if_overflow="visible",
        custom_attrs={"strokeWidth": 2},
    )


def _chart(chart: Any) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.heading(chart.title, size="3", weight="medium", as_="h3"),
            rx.spacer(),
            rx.text(chart.latest, size="2", color=MUTED),
            width="100%",
            align="baseline",
            wrap="wrap",
        ),
        rx.box(
            rx.recharts.line_chart(
                rx.foreach(chart.bands, _band_area),
                rx.recharts.cartesian_grid(
                    vertical=False, stroke=rx.color("gray", 5), stroke_dasharray="3 3"
                ),
                rx.recharts.x_axis(
                    # A time axis: results sit apart by the days between them.
                    data_key="t",
                    type_="number",
                    scale="time",
                    domain=["dataMin", "dataMax"],
                    tick_formatter=SHORT_DAY_JS,
                    tick={"fontSize": 12, "fill": MUTED},
                    stroke=rx.color("gray", 7),
                    padding={"left": 24, "right": 24},
                    label={
                        "value": "Date taken",
                        "position": "insideBottom",
                        "offset": -8,
                        "fill": MUTED,
                        "fontSize": 12,
                    },
                ),
                rx.recharts.y_axis(
                    domain=[0, chart.max_total],
                    ticks=chart.ticks,
                    allow_decimals=False,
                    tick={"fontSize": 12, "fill": MUTED},
                    stroke=rx.color("gray", 7),
                    width=48,
                    label={
                        "value": "Total score",
                        "angle": -90,
                        "position": "insideLeft",
                        "offset": 8,
                        "fill": MUTED,
                        "fontSize": 12,
                        "style": {"textAnchor": "middle"},
                    },
                ),
                rx.recharts.graphing_tooltip(
                    is_animation_active=False,
                    # The tooltip names the day in full; Recharts takes it as a function.
                    custom_attrs={
                        "labelFormatter": rx.Var(_js_expr=FULL_DAY_JS),
                        "formatter": rx.Var(_js_expr=SCORE_JS),
                    },
                ),
                rx.foreach(chart.series, _line),
                rx.foreach(chart.flagged, _flag_ring),
                rx.cond(
                    chart.series.length() > 1,
                    rx.recharts.legend(vertical_align="top", height=28, icon_type="plainline"),
                ),
                data=chart.rows,
                margin={"top": 12, "right": 136, "bottom": 16, "left": 4},
                height=CHART_HEIGHT,
                width="100%",
            ),
            role="img",
            aria_label=chart.description,
            width="100%",
            height=f"{CHART_HEIGHT}px",
        ),
        rx.cond(
            chart.flagged.length() > 0,
            rx.hstack(
                rx.box(
                    width="12px",
                    height="12px",
                    border_radius="50%",
                    border=f"2px solid {rx.color('red', 9)}",
                ),
                rx.text("Safety flag: item 9 answered above 0", size="1", color=MUTED),
                spacing="2",
                align="center",
                padding_left="52px",
            ),
        ),
        class_name="pr-measure-chart",
        id="chart-" + chart.instrument,
        width="100%",
        style={"display": "flex", "flex_direction": "column", "gap": "8px"},
    )


def _charts() -> rx.Component:
    return section(
        "Scores over time",
        rx.cond(
            M.charts.length() > 0,
            rx.vstack(
                rx.foreach(
                    M.charts,
                    lambda chart, i: rx.fragment(
                        rx.cond(i > 0, rx.separator(size="4")), _chart(chart)
                    ),
                ),
                spacing="5",
                width="100%",
            ),
            empty_note("No measures recorded yet. Results appear here as a line over time."),
        ),
        id="measure-charts",
    )


# ---- results and flags --------------------------------------------------------------------


def _flag_badge(flag: Any) -> rx.Component:
    return rx.match(
        flag,
        ("open", rx.badge("Safety flag", color_scheme="red", variant="soft")),
        ("acknowledged", rx.badge("Flag acknowledged", color_scheme="gray", variant="soft")),
        rx.text("—", color=MUTED),
    )


def _result_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["date"], white_space="nowrap")),
        rx.el.td(row["instrument"]),
        rx.cond(M.several, rx.el.td(row["client"])),
        rx.el.td(
            rx.text(row["score"], white_space="nowrap"),
            style={"font_variant_numeric": "tabular-nums"},
        ),
        rx.el.td(
            rx.text(row["band"]),
            rx.cond(row["detail"] != "", rx.text(row["detail"], size="1", color=MUTED)),
        ),
        rx.el.td(_flag_badge(row["flag"])),
    )


def _results() -> rx.Component:
    return section(
        "Results",
        rx.cond(
            M.results.length() > 0,
            rx.box(
                rx.el.table(
                    rx.el.caption(
                        "All results, newest first.",
                        style={
                            "caption_side": "top",
                            "text_align": "left",
                            "padding_bottom": "8px",
                        },
                        class_name="pr-caption",
                    ),
                    rx.el.thead(
                        rx.el.tr(
                            rx.el.th("Date taken", scope="col"),
                            rx.el.th("Measure", scope="col"),
                            rx.cond(M.several, rx.el.th("Client", scope="col")),
                            rx.el.th("Score", scope="col"),
                            rx.el.th("Severity", scope="col"),
                            rx.el.th("Safety", scope="col"),
                        )
                    ),
                    rx.el.tbody(rx.foreach(M.results, _result_row)),
                    class_name="pr-table",
                    id="measure-results",
                ),
                width="100%",
                overflow_x="auto",
            ),
            empty_note("Measures you record are listed here, newest first."),
        ),
    )


def _flag_row(flag: Any) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(flag["what"], size="2", weight="medium"),
            rx.text(flag["text"], size="2", color=rx.color("red", 11)),
            spacing="0",
        ),
        rx.spacer(),
        rx.cond(
            M.can_record,
            rx.button(
                "Acknowledge",
                size="2",
                variant="surface",
                color_scheme="red",
                loading=M.acknowledging == flag["id"],
                on_click=M.acknowledge(flag["id"]),
                aria_label="Acknowledge the safety flag: " + flag["what"],
            ),
        ),
        width="100%",
        align="center",
        class_name="pr-open-flag",
    )


def safety_panel(title: str, rows: Any, render: Any, panel_id: str) -> rx.Component:
    """Open safety flags: a quiet red panel, one row per flag with its action at the end.

    Shared with the home page, so the flag looks the same wherever the clinician meets it.
    """
    return rx.el.section(
        rx.hstack(
            rx.icon("shield-alert", size=18, color=rx.color("red", 11), flex_shrink="0"),
            rx.vstack(
                rx.text(title, weight="bold", size="2", color=rx.color("red", 11)),
                rx.foreach(rows, render),
                spacing="3",
                width="100%",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        role="alert",
        aria_label=title,
        id=panel_id,
        style={
            "border": f"1px solid {rx.color('red', 6)}",
            "border_radius": "10px",
            "padding": "14px 20px",
            "background": rx.color("red", 2),
            "width": "100%",
        },
    )


def _open_flags() -> rx.Component:
    return rx.cond(
        M.flags.length() > 0,
        safety_panel("Safety flag: review suicide risk", M.flags, _flag_row, "open-flags"),
    )


# ---- recording ----------------------------------------------------------------------------


def _radio(name: Any, option: Any, label: Any) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="radio",
            name=name,
            value=option["value"],
            aria_label=label,
            aria_describedby=name + "-error",
            class_name="pr-radio",
            style=RADIO_STYLE,
            on_change=M.answered(name, option["value"]),
        ),
        class_name="pr-radio-cell",
    )


def _item_row(item: Any) -> rx.Component:
    name = item["field"]
    return rx.el.tr(
        rx.el.th(
            rx.hstack(
                rx.text(item["number"] + ".", size="2", color=MUTED, min_width="22px"),
                rx.vstack(
                    rx.text(item["text"], size="2"),
                    field_error(M.errors, name),
                    rx.cond(
                        (name == "item_9") & M.item9_raised,
                        rx.text(
                            "Any answer above 0 here raises a safety flag for the clinician.",
                            size="1",
                            color=rx.color("red", 11),
                            id="item9-note",
                        ),
                    ),
                    spacing="1",
                ),
                spacing="2",
                align="start",
            ),
            scope="row",
            id=name + "-label",
        ),
        rx.foreach(
            M.scale_options,
            lambda option: rx.el.td(
                _radio(name, option, "Item " + item["number"] + ": " + option["label"])
            ),
        ),
        class_name=rx.cond(M.errors.contains(name), "pr-item pr-item-invalid", "pr-item"),
        id="row-" + name,
    )


def _scale_header(option: Any) -> rx.Component:
    return rx.el.th(
        rx.vstack(
            rx.text(option["value"], size="2", weight="medium"),
            rx.text(option["label"], size="1", color=MUTED, weight="regular"),
            spacing="0",
            align="center",
        ),
        scope="col",
    )


def _items_table() -> rx.Component:
    return rx.box(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th(rx.text(M.stem, size="2", weight="medium"), scope="col"),
                    rx.foreach(M.scale_options, _scale_header),
                )
            ),
            rx.el.tbody(rx.foreach(M.item_rows, _item_row)),
            class_name="pr-measure-items",
            id="measure-items",
            style=ITEMS_STYLE,
        ),
        width="100%",
        overflow_x="auto",
    )


def _difficulty() -> rx.Component:
    return rx.cond(
        M.difficulty != "",
        rx.el.fieldset(
            rx.el.legend(
                rx.text(M.difficulty, size="2"),
                rx.text("Optional; recorded, not scored.", size="1", color=MUTED),
            ),
            rx.flex(
                rx.foreach(
                    M.difficulty_scale,
                    lambda option: rx.el.label(
                        rx.el.input(
                            type="radio",
                            name="difficulty",
                            value=option["value"],
                            class_name="pr-radio",
                            style=RADIO_STYLE,
                        ),
                        rx.text(option["label"], size="2"),
                        class_name="pr-choice",
                        style={"display": "flex", "gap": "8px", "align_items": "center"},
                    ),
                ),
                wrap="wrap",
                gap="8px 20px",
                padding_top="8px",
            ),
            field_error(M.errors, "difficulty"),
            class_name="pr-fieldset",
            style=FIELDSET_STYLE,
        ),
    )


def _who_and_when() -> rx.Component:
    client = rx.cond(
        M.several,
        rx.vstack(
            rx.el.label(rx.text("Client", size="2", weight="medium"), html_for="client_id"),
            rx.el.select(
                rx.el.option("Choose who answered…", value=""),
                rx.foreach(M.participants, lambda p: rx.el.option(p["name"], value=p["id"])),
                id="client_id",
                name="client_id",
                default_value="",
                aria_invalid=rx.cond(M.errors.contains("client_id"), "true", "false"),
                aria_describedby="client_id-error",
                class_name="pr-select",
            ),
            field_error(M.errors, "client_id"),
            spacing="1",
            width="240px",
        ),
        rx.cond(
            M.participants.length() > 0,
            # The same id as the couple's select: Reflex reads a form's fields by id first,
            # and an id whose element is not on the page would post an empty client.
            rx.el.input(
                type="hidden", id="client_id", name="client_id", value=M.participants[0]["id"]
            ),
        ),
    )
    when = rx.vstack(
        rx.el.label(rx.text("Date taken", size="2", weight="medium"), html_for="taken_on"),
        rx.input(
            type="date",
            id="taken_on",
            name="taken_on",
            default_value=M.today,
            max=M.today,
            aria_invalid=rx.cond(M.errors.contains("taken_on"), "true", "false"),
            aria_describedby="taken_on-error",
        ),
        field_error(M.errors, "taken_on"),
        spacing="1",
        width="180px",
    )
    return rx.flex(client, when, gap="20px", wrap="wrap", align="start")


def _instrument_choice() -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text("Measure", size="2", weight="medium"), html_for="instrument"),
        rx.el.select(
            rx.foreach(M.instrument_choices, lambda c: rx.el.option(c["label"], value=c["value"])),
            id="instrument",
            value=M.instrument,
            on_change=M.choose_instrument,
            aria_describedby="instrument-error",
            class_name="pr-select",
        ),
        field_error(M.errors, "instrument"),
        spacing="1",
        width="180px",
    )


def _saved() -> rx.Component:
    saved = M.saved
    return rx.cond(
        saved.contains("title"),
        rx.vstack(
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-check")),
                rx.callout.text(
                    rx.text.strong(saved["title"]),
                    rx.text.span(": score " + saved["score"] + ", ", id="saved-score"),
                    rx.text.strong(saved["band"], id="saved-band"),
                ),
                color_scheme="teal",
                variant="surface",
                id="measure-saved",
                width="100%",
            ),
            rx.cond(
                saved.contains("flag") & (saved["flag"] != ""),
                rx.callout.root(
                    rx.callout.icon(rx.icon("shield-alert")),
                    rx.callout.text(
                        rx.text.strong("Safety flag raised. "),
                        saved["flag"],
                        rx.cond(
                            saved.contains("flag_acknowledged"),
                            " Acknowledged.",
                            " It stays at the top of this page and on your home page until "
                            "acknowledged.",
                        ),
                    ),
                    color_scheme="red",
                    role="alert",
                    id="measure-safety",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
    )


def _record() -> rx.Component:
    return section(
        "Record a measure",
        rx.vstack(
            _saved(),
            _instrument_choice(),
            rx.form(
                rx.box(
                    rx.vstack(
                        _who_and_when(),
                        _items_table(),
                        _difficulty(),
                        rx.cond(
                            M.errors.length() > 0,
                            rx.callout(
                                M.summary,
                                icon="triangle-alert",
                                color_scheme="red",
                                role="alert",
                                id="measure-error-summary",
                                width="100%",
                            ),
                        ),
                        rx.hstack(
                            rx.button(
                                "Save and score",
                                type="submit",
                                loading=M.saving,
                                id="save-measure",
                            ),
                            justify="end",
                            width="100%",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    key=M.form_key,
                    width="100%",
                ),
                on_submit=M.record,
                reset_on_submit=False,
                width="100%",
                id="record-form",
            ),
            spacing="4",
            width="100%",
        ),
        id="record",
    )


# ---- the page -----------------------------------------------------------------------------


def _header() -> rx.Component:
    record = rx.cond(
        M.can_record & ~M.consultation,
        rx.button(
            rx.link(rx.icon("plus", size=16), "Record a measure", href="#record", underline="none"),
            as_child=True,
            variant="soft",
        ),
    )
    return case_record_header("Measures", M, record)


@app_page(MEASURES_PAGE, "Measures", on_load=M.load)
def measures_page() -> rx.Component:
    return rx.cond(
        M.loaded,
        rx.cond(
            M.not_found,
            not_found_panel("case", ("Back to clients", CLIENTS)),
            rx.vstack(
                _header(),
                rx.cond(
                    M.consultation,
                    consultation_note("measures"),
                    rx.vstack(
                        _open_flags(),
                        _charts(),
                        _results(),
                        rx.cond(M.can_record, _record()),
                        spacing="5",
                        width="100%",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
