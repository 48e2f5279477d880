"""URLs of the chat app."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.ask_form, name="ask-form"),
    path("ask/", views.ask, name="ask"),
    path("ask-async/", views.ask_async, name="ask-async"),
    path("stream/", views.stream, name="stream"),
    path("stream-async/", views.stream_async, name="stream-async"),
]
