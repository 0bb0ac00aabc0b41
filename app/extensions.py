"""Extensions created without an app; `init_app` binds them."""

from flask_migrate import Migrate

migrate = Migrate()
