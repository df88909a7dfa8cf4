"""The calendar screen: FullCalendar grid, "today" list, booking dialog and appointment panel.

`grid` holds the pure date and event arithmetic; `state` the Reflex states; `pages` the page.
The FullCalendar wrapper itself is scheduling.calendar_component.
"""
