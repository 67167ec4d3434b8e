"""Narrow patches of moto behaviours that differ from AWS on the deploy path
of the reference templates. Each is named after the moto behaviour it works
around, is applied only while a test's moto server runs, and has a test in
tests/test_moto_patches.py showing that moto still needs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def instance_image_from_launch_template() -> Iterator[None]:
    """moto 5.2's ``Instance.create_from_cloudformation_json`` reads
    ``Properties["ImageId"]`` unconditionally and never passes the
    ``LaunchTemplate`` property on, so an ``AWS::EC2::Instance`` whose AMI
    comes from its launch template (valid on AWS: ImageId is then optional)
    fails with ``KeyError: 'ImageId'``. moto's own ``run_instances`` already
    takes the image from a launch template: the patch hands the template
    over and leaves everything else to moto."""
    from moto.ec2.models import EC2Backend
    from moto.ec2.models.instances import Instance

    original = Instance.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties", {})
        template = props.get("LaunchTemplate")
        if "ImageId" in props or not template:
            return original(cls, resource_name, cloudformation_json, account_id, region_name,
                            **kwargs)
        spec = {k: str(v) for k, v in template.items()
                if k in ("LaunchTemplateId", "LaunchTemplateName", "Version")}
        run = EC2Backend.run_instances

        def run_with_template(self: Any, *args: Any, **kw: Any) -> Any:
            kw.setdefault("launch_template", spec)
            return run(self, *args, **kw)

        patched = {**cloudformation_json, "Properties": {**props, "ImageId": ""}}
        EC2Backend.run_instances = run_with_template  # type: ignore[method-assign]
        try:
            return original(cls, resource_name, patched, account_id, region_name, **kwargs)
        finally:
            EC2Backend.run_instances = run  # type: ignore[method-assign]

    Instance.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]
    try:
        yield
    finally:
        Instance.create_from_cloudformation_json = classmethod(original)  # type: ignore[assignment]


@contextlib.contextmanager
def applied() -> Iterator[None]:
    """Every patch of this module."""
    with instance_image_from_launch_template():
        yield
