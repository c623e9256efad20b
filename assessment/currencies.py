"""Currency codes: the active ISO 4217 alphabetic codes, and the names a Chinese
accounting export may use instead. Pure data (part of the core)."""

from __future__ import annotations

__all__ = ["CURRENCY_ALIASES", "ISO_4217", "currency_code"]

#: Active ISO 4217 codes (list one, as published by the maintenance agency, SIX).
_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA
    XXX YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_CODES.split())

#: Other names for a currency, as exports write them (compared in upper case).
CURRENCY_ALIASES = {
    "RMB": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "美元": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "港币": "HKD",
    "港元": "HKD",
    "日元": "JPY",
}


def currency_code(text: str) -> str | None:
    """The ISO 4217 code a cell names (``eur``, ``人民币``, ``RMB``), or None."""
    code = text.strip().upper()
    code = CURRENCY_ALIASES.get(code, code)
    return code if code in ISO_4217 else None
