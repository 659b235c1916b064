"""Notifications: SMS to the worker or the worker's family (phones from the PII vault), and channel
messages to an office or the rapid response team."""

from __future__ import annotations

import httpx
from temporalio import activity

from activities.dukcapil import PiiLookup
from activities.gov_http import GovHttp
from domain.contracts import ActivityName, ChannelMessage, ChannelPosted, SmsMessage, SmsSent
from domain.pii import mask_phone

NO_PHONE = "skipped:no-phone"
NO_FAMILY_CONTACT = "skipped:no-family-contact"


class NotifyActivities:
    """Sends templated SMS and posts channel messages.

    A recipient without a phone is not an error: the SMS is skipped and the workflow goes on.
    """

    def __init__(self, client: httpx.AsyncClient, pii_lookup: PiiLookup) -> None:
        self._gov = GovHttp(client, "notify")
        self._pii_lookup = pii_lookup

    @activity.defn(name=ActivityName.SEND_SMS)
    async def send_sms(self, message: SmsMessage) -> SmsSent:
        """Returns the gateway's message id, or `skipped:no-phone` / `skipped:no-family-contact`
        when the vault has no number for the recipient."""
        pii = await self._pii_lookup(message.journey_id)
        if message.recipient == "family":
            # `family_phone` is read defensively: vault records written before it existed lack it.
            phone = getattr(pii, "family_phone", None) if pii is not None else None
            skipped = NO_FAMILY_CONTACT
        else:
            phone = pii.phone if pii is not None else None
            skipped = NO_PHONE
        if not phone:
            activity.logger.info("SMS %s to %s skipped: no phone on record", message.template, message.recipient)
            return SmsSent(message_id=skipped)
        body = await self._gov.post(
            "/notify/v1/sms",
            message.idempotency_key,
            {"to": phone, "template": message.template, "params": message.params},
        )
        message_id = str(self._gov.require(body, "message_id"))
        activity.logger.info(
            "SMS %s sent to %s (%s) as %s", message.template, message.recipient, mask_phone(phone), message_id
        )
        return SmsSent(message_id=message_id)

    @activity.defn(name=ActivityName.POST_CHANNEL)
    async def post_channel(self, message: ChannelMessage) -> ChannelPosted:
        """Posts to `message.channel` (e.g. the rapid response team); returns the message id."""
        payload = {"channel": message.channel, "text": message.text}
        if message.case_id is not None:
            payload["case_id"] = message.case_id
        if message.journey_id is not None:
            payload["journey_id"] = message.journey_id
        body = await self._gov.post("/notify/v1/channel", message.idempotency_key, payload)
        message_id = str(self._gov.require(body, "message_id"))
        activity.logger.info("Posted to channel %s as %s (case %s)", message.channel, message_id, message.case_id)
        return ChannelPosted(message_id=message_id)
