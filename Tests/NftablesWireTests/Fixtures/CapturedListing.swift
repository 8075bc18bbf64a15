/// `nft -j list table inet ipvsctl_swift` as nftables 1.0.6 (Debian 12) printed it after
/// ipvsctl-swift's NftablesClient made the table with the elements below, captured in a fresh
/// network namespace. Kept verbatim: the decoder must read what libnftables really prints.
enum CapturedListing {
    static let json = #"""
        {
         "nftables": [
          {
           "metainfo": {
            "version": "1.0.6",
            "release_name": "Lester Gooch #5",
            "json_schema_version": 1
           }
          },
          {
           "table": {
            "family": "inet",
            "name": "ipvsctl_swift",
            "handle": 2
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "external_cluster_v4",
            "table": "ipvsctl_swift",
            "type": [
             "ipv4_addr",
             "inet_proto",
             "inet_service"
            ],
            "handle": 1,
            "elem": [
             {
              "concat": [
               "192.0.2.10",
               "udp",
               53
              ]
             },
             {
              "concat": [
               "192.0.2.10",
               "tcp",
               80
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "cluster_ips_v4",
            "table": "ipvsctl_swift",
            "type": [
             "ipv4_addr",
             "inet_proto",
             "inet_service"
            ],
            "handle": 2,
            "elem": [
             {
              "concat": [
               "198.51.100.10",
               "tcp",
               80
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "local_sources_v4",
            "table": "ipvsctl_swift",
            "type": "ipv4_addr",
            "handle": 3,
            "flags": [
             "interval"
            ],
            "elem": [
             {
              "prefix": {
               "addr": "10.244.1.0",
               "len": 24
              }
             },
             "198.51.100.130"
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "hairpin_v4",
            "table": "ipvsctl_swift",
            "type": [
             "ipv4_addr",
             "ipv4_addr"
            ],
            "handle": 4,
            "elem": [
             {
              "concat": [
               "10.244.1.5",
               "10.244.1.5"
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "guarded_load_balancers_v4",
            "table": "ipvsctl_swift",
            "type": [
             "ipv4_addr",
             "inet_proto",
             "inet_service"
            ],
            "handle": 5,
            "elem": [
             {
              "concat": [
               "192.0.2.20",
               "tcp",
               443
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "allowed_sources_v4",
            "table": "ipvsctl_swift",
            "type": [
             "ipv4_addr",
             "inet_proto",
             "inet_service",
             "ipv4_addr"
            ],
            "handle": 6,
            "flags": [
             "interval"
            ],
            "elem": [
             {
              "concat": [
               "192.0.2.20",
               "tcp",
               443,
               "198.51.100.7"
              ]
             },
             {
              "concat": [
               "192.0.2.20",
               "tcp",
               443,
               {
                "prefix": {
                 "addr": "203.0.113.0",
                 "len": 24
                }
               }
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "external_cluster_v6",
            "table": "ipvsctl_swift",
            "type": [
             "ipv6_addr",
             "inet_proto",
             "inet_service"
            ],
            "handle": 7,
            "elem": [
             {
              "concat": [
               "2001:db8::10",
               "sctp",
               3868
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "cluster_ips_v6",
            "table": "ipvsctl_swift",
            "type": [
             "ipv6_addr",
             "inet_proto",
             "inet_service"
            ],
            "handle": 8
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "local_sources_v6",
            "table": "ipvsctl_swift",
            "type": "ipv6_addr",
            "handle": 9,
            "flags": [
             "interval"
            ],
            "elem": [
             {
              "prefix": {
               "addr": "2001:db8:1::",
               "len": 64
              }
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "hairpin_v6",
            "table": "ipvsctl_swift",
            "type": [
             "ipv6_addr",
             "ipv6_addr"
            ],
            "handle": 10,
            "elem": [
             {
              "concat": [
               "2001:db8::10",
               "2001:db8::10"
              ]
             }
            ]
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "guarded_load_balancers_v6",
            "table": "ipvsctl_swift",
            "type": [
             "ipv6_addr",
             "inet_proto",
             "inet_service"
            ],
            "handle": 11
           }
          },
          {
           "set": {
            "family": "inet",
            "name": "allowed_sources_v6",
            "table": "ipvsctl_swift",
            "type": [
             "ipv6_addr",
             "inet_proto",
             "inet_service",
             "ipv6_addr"
            ],
            "handle": 12,
            "flags": [
             "interval"
            ]
           }
          },
          {
           "chain": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "name": "masquerading",
            "handle": 13,
            "type": "nat",
            "hook": "postrouting",
            "prio": 100,
            "policy": "accept"
           }
          },
          {
           "chain": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "name": "load_balancer_sources",
            "handle": 24,
            "type": "filter",
            "hook": "input",
            "prio": -150,
            "policy": "accept"
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "masquerading",
            "handle": 15,
            "comment": "masquerade external addresses under Cluster, client not local (IPv4)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "meta": {
                 "key": "l4proto"
                }
               },
               "right": {
                "set": [
                 "tcp",
                 "udp",
                 "sctp"
                ]
               }
              }
             },
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "ct": {
                   "key": "ip daddr",
                   "dir": "original"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "ct": {
                   "key": "proto-dst",
                   "dir": "original"
                  }
                 }
                ]
               },
               "right": "@external_cluster_v4"
              }
             },
             {
              "match": {
               "op": "!=",
               "left": {
                "payload": {
                 "protocol": "ip",
                 "field": "saddr"
                }
               },
               "right": "@local_sources_v4"
              }
             },
             {
              "masquerade": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "masquerading",
            "handle": 17,
            "comment": "masquerade cluster IPs, client outside the cluster's ranges (IPv4)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "meta": {
                 "key": "l4proto"
                }
               },
               "right": {
                "set": [
                 "tcp",
                 "udp",
                 "sctp"
                ]
               }
              }
             },
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "ct": {
                   "key": "ip daddr",
                   "dir": "original"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "ct": {
                   "key": "proto-dst",
                   "dir": "original"
                  }
                 }
                ]
               },
               "right": "@cluster_ips_v4"
              }
             },
             {
              "match": {
               "op": "!=",
               "left": {
                "payload": {
                 "protocol": "ip",
                 "field": "saddr"
                }
               },
               "right": "@local_sources_v4"
              }
             },
             {
              "masquerade": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "masquerading",
            "handle": 18,
            "comment": "masquerade hairpin: an endpoint reaching itself (IPv4)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "payload": {
                   "protocol": "ip",
                   "field": "saddr"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "ip",
                   "field": "daddr"
                  }
                 }
                ]
               },
               "right": "@hairpin_v4"
              }
             },
             {
              "masquerade": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "masquerading",
            "handle": 20,
            "comment": "masquerade external addresses under Cluster, client not local (IPv6)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "meta": {
                 "key": "l4proto"
                }
               },
               "right": {
                "set": [
                 "tcp",
                 "udp",
                 "sctp"
                ]
               }
              }
             },
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "ct": {
                   "key": "ip6 daddr",
                   "dir": "original"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "ct": {
                   "key": "proto-dst",
                   "dir": "original"
                  }
                 }
                ]
               },
               "right": "@external_cluster_v6"
              }
             },
             {
              "match": {
               "op": "!=",
               "left": {
                "payload": {
                 "protocol": "ip6",
                 "field": "saddr"
                }
               },
               "right": "@local_sources_v6"
              }
             },
             {
              "masquerade": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "masquerading",
            "handle": 22,
            "comment": "masquerade cluster IPs, client outside the cluster's ranges (IPv6)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "meta": {
                 "key": "l4proto"
                }
               },
               "right": {
                "set": [
                 "tcp",
                 "udp",
                 "sctp"
                ]
               }
              }
             },
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "ct": {
                   "key": "ip6 daddr",
                   "dir": "original"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "ct": {
                   "key": "proto-dst",
                   "dir": "original"
                  }
                 }
                ]
               },
               "right": "@cluster_ips_v6"
              }
             },
             {
              "match": {
               "op": "!=",
               "left": {
                "payload": {
                 "protocol": "ip6",
                 "field": "saddr"
                }
               },
               "right": "@local_sources_v6"
              }
             },
             {
              "masquerade": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "masquerading",
            "handle": 23,
            "comment": "masquerade hairpin: an endpoint reaching itself (IPv6)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "payload": {
                   "protocol": "ip6",
                   "field": "saddr"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "ip6",
                   "field": "daddr"
                  }
                 }
                ]
               },
               "right": "@hairpin_v6"
              }
             },
             {
              "masquerade": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "load_balancer_sources",
            "handle": 25,
            "comment": "drop clients outside a load balancer's source ranges (IPv4)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "payload": {
                   "protocol": "ip",
                   "field": "daddr"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "th",
                   "field": "dport"
                  }
                 }
                ]
               },
               "right": "@guarded_load_balancers_v4"
              }
             },
             {
              "match": {
               "op": "!=",
               "left": {
                "concat": [
                 {
                  "payload": {
                   "protocol": "ip",
                   "field": "daddr"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "th",
                   "field": "dport"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "ip",
                   "field": "saddr"
                  }
                 }
                ]
               },
               "right": "@allowed_sources_v4"
              }
             },
             {
              "drop": null
             }
            ]
           }
          },
          {
           "rule": {
            "family": "inet",
            "table": "ipvsctl_swift",
            "chain": "load_balancer_sources",
            "handle": 26,
            "comment": "drop clients outside a load balancer's source ranges (IPv6)",
            "expr": [
             {
              "match": {
               "op": "==",
               "left": {
                "concat": [
                 {
                  "payload": {
                   "protocol": "ip6",
                   "field": "daddr"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "th",
                   "field": "dport"
                  }
                 }
                ]
               },
               "right": "@guarded_load_balancers_v6"
              }
             },
             {
              "match": {
               "op": "!=",
               "left": {
                "concat": [
                 {
                  "payload": {
                   "protocol": "ip6",
                   "field": "daddr"
                  }
                 },
                 {
                  "meta": {
                   "key": "l4proto"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "th",
                   "field": "dport"
                  }
                 },
                 {
                  "payload": {
                   "protocol": "ip6",
                   "field": "saddr"
                  }
                 }
                ]
               },
               "right": "@allowed_sources_v6"
              }
             },
             {
              "drop": null
             }
            ]
           }
          }
         ]
        }
        """#
}
