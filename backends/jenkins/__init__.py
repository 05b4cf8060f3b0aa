"""The Jenkins wing: settings.py (its variables), service.py (the facade), words.py (its words), render.py
(answers), source.py (notifications). Its questions are actions/jenkins.py, its sandbox sandbox/jenkins/."""

from __future__ import annotations

from backends.jenkins.service import BACKEND, facade
from backends.jenkins.source import JenkinsSource
from backends.wing import Wing

WING = Wing(name="jenkins", title=BACKEND, facade=facade, source=JenkinsSource(),
            setup_hint="Set JENKINS_URL, JENKINS_USER and JENKINS_API_TOKEN.")
