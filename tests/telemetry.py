"""An OpenTelemetry SDK set up in memory, for the tracing tests of both faces."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def attributes(item: Any) -> dict[str, Any]:
    """The attributes of a span or an event, as a plain dict."""
    return dict(item.attributes or {})


class OpenSpans(SpanProcessor):
    """Counts the spans started and the times each one ended."""

    def __init__(self) -> None:
        self.started: dict[int, str] = {}
        self.ends: Counter[int] = Counter()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.started[span.context.span_id] = span.name

    def on_end(self, span: ReadableSpan) -> None:
        assert span.context is not None
        self.ends[span.context.span_id] += 1

    @property
    def still_open(self) -> list[str]:
        return [name for span_id, name in self.started.items() if not self.ends[span_id]]


class Complaints(logging.Handler):
    """The OpenTelemetry SDK's warnings: a span ended twice, or changed once ended."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Telemetry:
    """Tracer and meter providers that keep everything in memory."""

    def __init__(self) -> None:
        self.complaints = Complaints()
        logging.getLogger("opentelemetry.sdk.trace").addHandler(self.complaints)
        self.exporter = InMemorySpanExporter()
        self.open = OpenSpans()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(self.open)
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    @property
    def providers(self) -> dict[str, Any]:
        """The SDK constructor's keyword arguments for these providers."""
        return {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}

    def spans(self) -> list[ReadableSpan]:
        """The ended spans, in the order they ended."""
        return list(self.exporter.get_finished_spans())

    def only_span(self) -> ReadableSpan:
        """The one span ended so far, checked to have ended exactly once; none is open."""
        spans = self.spans()
        assert len(spans) == 1, [span.name for span in spans]
        assert self.open.still_open == []
        assert set(self.open.ends.values()) == {1}
        assert self.complaints.messages == []  # nothing ended twice or changed once ended
        return spans[0]

    def metrics(self) -> dict[str, list[Any]]:
        """Each metric's data points by name."""
        found: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found

    def dump(self) -> str:
        """Everything exported, as text: spans with events and status, and metrics."""
        parts = [span.to_json() for span in self.spans()]
        data = self.reader.get_metrics_data()
        if data is not None:
            parts.append(data.to_json())
        return "\n".join(parts)

    def shutdown(self) -> None:
        logging.getLogger("opentelemetry.sdk.trace").removeHandler(self.complaints)
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
