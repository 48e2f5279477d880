"""The question form."""

from django import forms


class QuestionForm(forms.Form):
    """One question for the model."""

    question = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
